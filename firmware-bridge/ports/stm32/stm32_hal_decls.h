/*
 * NOT STM32CUBE. The few declarations of ST's STM32L4 HAL (stm32l4xx_hal.h, STM32CubeL4) and of
 * CMSIS that this port uses, with ST's names, types and values, so that `make -C firmware-bridge
 * stm32-check` can cross-compile the port without vendoring STM32Cube. Only the compile check
 * uses it (-DFB_STM32_DECLS_ONLY); a real build includes stm32l4xx_hal.h from the Cube project.
 * Values from stm32l4xx_hal_def.h, stm32l4xx_hal_flash.h, stm32l476xx.h and core_cm4.h.
 */
#ifndef FB_STM32_HAL_DECLS_H
#define FB_STM32_HAL_DECLS_H
#include <stdint.h>

typedef enum { HAL_OK = 0x00U, HAL_ERROR = 0x01U, HAL_BUSY = 0x02U, HAL_TIMEOUT = 0x03U } HAL_StatusTypeDef;
#define HAL_MAX_DELAY 0xFFFFFFFFU

HAL_StatusTypeDef HAL_Init(void);
HAL_StatusTypeDef HAL_DeInit(void);
uint32_t HAL_GetDEVID(void);
uint32_t HAL_GetUIDw0(void);
uint32_t HAL_GetUIDw1(void);
uint32_t HAL_GetUIDw2(void);
void HAL_NVIC_SystemReset(void);

/* Flash (stm32l4xx_hal_flash.h, stm32l4xx_hal_flash_ex.h). */
typedef struct {
  uint32_t TypeErase; /* FLASH_TYPEERASE_PAGES or FLASH_TYPEERASE_MASSERASE */
  uint32_t Banks;     /* FLASH_BANK_1, FLASH_BANK_2 */
  uint32_t Page;      /* first page, 0..255 within the bank */
  uint32_t NbPages;
} FLASH_EraseInitTypeDef;
#define FLASH_TYPEERASE_PAGES 0x00U
#define FLASH_BANK_1 0x01U
#define FLASH_BANK_2 0x02U
#define FLASH_TYPEPROGRAM_DOUBLEWORD 0x00U
HAL_StatusTypeDef HAL_FLASH_Unlock(void);
HAL_StatusTypeDef HAL_FLASH_Lock(void);
HAL_StatusTypeDef HAL_FLASH_Program(uint32_t TypeProgram, uint32_t Address, uint64_t Data);
HAL_StatusTypeDef HAL_FLASHEx_Erase(FLASH_EraseInitTypeDef *pEraseInit, uint32_t *PageError);

/* FLASH registers (RM0351 3.7) for the ECC detection flag; HAL's flag macros read them. */
typedef struct {
  volatile uint32_t ACR, PDKEYR, KEYR, OPTKEYR, SR, CR, ECCR;
} FLASH_TypeDef;
#define FLASH ((FLASH_TypeDef *)0x40022000UL)
#define FLASH_ECCR_ECCD (0x1UL << 31)
#define FLASH_FLAG_ECCD FLASH_ECCR_ECCD
/* ECCD is in ECCR and cleared by writing 1 (the HAL's macros for the ECC flags do the same). */
#define __HAL_FLASH_GET_FLAG(__FLAG__) ((FLASH->ECCR & (__FLAG__)) == (__FLAG__))
#define __HAL_FLASH_CLEAR_FLAG(__FLAG__) (FLASH->ECCR |= (__FLAG__))

/* UART (stm32l4xx_hal_uart.h): the handle is CubeMX's; only pointers to it are used here. */
typedef struct __UART_HandleTypeDef UART_HandleTypeDef;
HAL_StatusTypeDef HAL_UART_Transmit(UART_HandleTypeDef *huart, const uint8_t *pData, uint16_t Size, uint32_t Timeout);
HAL_StatusTypeDef HAL_UART_Receive_IT(UART_HandleTypeDef *huart, uint8_t *pData, uint16_t Size);
void HAL_UART_RxCpltCallback(UART_HandleTypeDef *huart);
void HAL_UART_ErrorCallback(UART_HandleTypeDef *huart);

/* CMSIS core (core_cm4.h, cmsis_gcc.h). */
typedef struct { volatile uint32_t CPUID, ICSR, VTOR; } SCB_Type;
#define SCB ((SCB_Type *)0xE000ED00UL)
typedef struct { volatile uint32_t CTRL, LOAD, VAL, CALIB; } SysTick_Type;
#define SysTick ((SysTick_Type *)0xE000E010UL)
static inline void __disable_irq(void) { __asm volatile ("cpsid i" : : : "memory"); }
static inline void __enable_irq(void) { __asm volatile ("cpsie i" : : : "memory"); }
static inline void __DSB(void) { __asm volatile ("dsb 0xF" : : : "memory"); }
static inline void __ISB(void) { __asm volatile ("isb 0xF" : : : "memory"); }
static inline void __set_MSP(uint32_t topOfMainStack) { __asm volatile ("MSR msp, %0" : : "r" (topOfMainStack) : ); }

#endif
