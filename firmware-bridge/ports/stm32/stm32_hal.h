/* The ST HAL as this port sees it: STM32CubeL4's header in a real build, the marked subset for the compile check. */
#ifndef FB_STM32_HAL_H
#define FB_STM32_HAL_H
#ifdef FB_STM32_DECLS_ONLY
#include "stm32_hal_decls.h"
#else
#include "stm32l4xx_hal.h"
#endif
#endif
