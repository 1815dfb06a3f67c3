/*
 * The STM32 port's entry points. An app links the portable bridge (src/) with flash_stm32.c and
 * bridge_stm32.c and calls:
 *
 *   fb_stm32_bridge_start();            once, after its own init and health check
 *   for (;;) { fb_stm32_bridge_poll(); ...the app's work... }
 *
 * and its NMI_Handler (stm32l4xx_it.c) calls fb_stm32_flash_nmi(). The bootloader
 * (boot_stm32.c) is a separate image at 0x08000000 (stm32_layout.h).
 */
#ifndef FB_PORT_STM32_H
#define FB_PORT_STM32_H
#include <stdint.h>
#include "stm32_hal.h"

/* The UART the gateway is on: CubeMX's handle (USART2 is the ST-LINK VCP of a NUCLEO-L476RG). */
#ifndef FB_STM32_UART
#define FB_STM32_UART huart2
#endif
extern UART_HandleTypeDef FB_STM32_UART;

/* Provided by the board (CubeMX's SystemClock_Config and MX_USARTx_UART_Init): the bootloader
   calls it only when no slot can boot and it runs the bridge itself for recovery. */
void fb_stm32_board_init(void);
/* Provided by the app (a weak default says healthy): its health check for the HEALTH report. */
int fb_stm32_app_healthy(void);

void fb_stm32_flash_nmi(void);
/* Reads the bootloader's hand-off, starts the bridge and UART reception, sends HEALTH. */
void fb_stm32_bridge_start(void);
/* Feeds received bytes to the bridge; resets the MCU when the gateway asked for it. */
void fb_stm32_bridge_poll(void);
/* The bootloader's recovery path: the bridge with no running slot (an OTA goes to slot 0). */
void fb_stm32_bridge_run_recovery(uint8_t reason);
#endif
