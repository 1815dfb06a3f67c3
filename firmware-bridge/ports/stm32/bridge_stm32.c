/*
 * The bridge on an STM32: UART through the HAL (blocking transmit, interrupt-driven reception
 * into a ring that holds the gateway's whole window of frames), the chip and the 96-bit UID for
 * INFO, and the reset the protocol asks for, with the reason handed to the next boot.
 */
#include "../../src/bridge.h"
#include "../../src/protocol.h"
#include "../../src/slots.h"
#include "port_stm32.h"
#include "stm32_layout.h"
#include <string.h>

/* The gateway may have FB_WINDOW frames in flight: the ring holds them all while a flash
   program or erase (up to ~25 ms per page on an L4) keeps the main loop busy. Power of two. */
#define RX_RING_BYTES 16384u
_Static_assert(RX_RING_BYTES >= FB_WINDOW * FB_ENCODED_MAX, "the ring holds a full window");
_Static_assert((RX_RING_BYTES & (RX_RING_BYTES - 1u)) == 0, "power of two");
#define TX_CHUNK_MAX 0xFFFFu /* HAL_UART_Transmit takes a 16-bit size */
#define POLL_BATCH 256u

static uint8_t g_ring[RX_RING_BYTES];
static volatile uint32_t g_head, g_tail; /* head: written by the RX interrupt, tail: by poll */
static volatile uint32_t g_overruns;
static uint8_t g_rx_byte;
static uint8_t g_running = FB_NO_SLOT;

#define HANDOFF ((volatile fb_stm32_handoff_t *)FB_STM32_HANDOFF_ADDR)

__attribute__((weak)) int fb_stm32_app_healthy(void) { return 1; }

void fb_uart_write(const uint8_t *buf, uint32_t len) {
  while (len > 0) {
    uint16_t n = (uint16_t)(len > TX_CHUNK_MAX ? TX_CHUNK_MAX : len);
    /* A failed transmit is a lost answer: the gateway times out and asks again. */
    (void)HAL_UART_Transmit(&FB_STM32_UART, buf, n, HAL_MAX_DELAY);
    buf += n;
    len -= n;
  }
}

void HAL_UART_RxCpltCallback(UART_HandleTypeDef *huart) {
  if (huart != &FB_STM32_UART) return;
  uint32_t head = g_head;
  if (head - g_tail < RX_RING_BYTES) {
    g_ring[head & (RX_RING_BYTES - 1u)] = g_rx_byte;
    g_head = head + 1u;
  } else {
    g_overruns++; /* the frame fails its CRC and the gateway resends */
  }
  (void)HAL_UART_Receive_IT(&FB_STM32_UART, &g_rx_byte, 1);
}

void HAL_UART_ErrorCallback(UART_HandleTypeDef *huart) {
  /* Overrun, framing or parity error: the HAL stopped reception; the bytes are lost, as on a
     noisy line, and the CRC catches the frame. Start again. */
  if (huart == &FB_STM32_UART) (void)HAL_UART_Receive_IT(&FB_STM32_UART, &g_rx_byte, 1);
}

static void uid(uint8_t out[FB_UID_BYTES]) {
  uint32_t w[3] = { HAL_GetUIDw0(), HAL_GetUIDw1(), HAL_GetUIDw2() };
  memset(out, 0, FB_UID_BYTES);
  for (uint32_t i = 0; i < 12u; i++) out[i] = (uint8_t)(w[i / 4u] >> (8u * (i % 4u)));
}

static void handoff_write(uint8_t slot, uint8_t reason, uint8_t request) {
  HANDOFF->slot = slot;
  HANDOFF->reason = reason;
  HANDOFF->request = request;
  HANDOFF->pad = 0;
  HANDOFF->magic = FB_STM32_HANDOFF_MAGIC;
  HANDOFF->check = ~FB_STM32_HANDOFF_MAGIC ^ ((uint32_t)slot | ((uint32_t)reason << 8) | ((uint32_t)request << 16));
}

static int handoff_valid(void) {
  uint32_t packed = (uint32_t)HANDOFF->slot | ((uint32_t)HANDOFF->reason << 8) | ((uint32_t)HANDOFF->request << 16);
  return HANDOFF->magic == FB_STM32_HANDOFF_MAGIC && HANDOFF->check == (~FB_STM32_HANDOFF_MAGIC ^ packed);
}

static void start(uint8_t running, uint8_t reason) {
  fb_slots_init(FB_STM32_SLOT_BYTES);
  fb_slots_resume(running);
  g_running = running;
  fb_bridge_cfg_t cfg;
  cfg.chip = (uint16_t)(FB_CHIP_STM32_FLAG | (HAL_GetDEVID() & 0x0FFFu));
  uid(cfg.uid);
  fb_bridge_init(&cfg);
  g_head = g_tail = 0;
  (void)HAL_UART_Receive_IT(&FB_STM32_UART, &g_rx_byte, 1);
  fb_ota_status_t st;
  fb_ota_status(&st);
  uint8_t healthy = (uint8_t)(running != FB_NO_SLOT && fb_stm32_app_healthy());
  fb_bridge_send_health(running, running == FB_NO_SLOT ? FB_SLOT_EMPTY : st.state[running], healthy, reason,
                        running == FB_NO_SLOT ? "" : st.version[running]);
}

void fb_stm32_bridge_start(void) {
  /* Without a hand-off (a debugger started the app directly) the slot is found from VTOR. */
  uint8_t running, reason = FB_BOOT_POWER_ON;
  if (handoff_valid()) {
    running = HANDOFF->slot;
    reason = HANDOFF->reason;
  } else {
    uint32_t vtor = SCB->VTOR;
    running = vtor >= FB_STM32_SLOT1_BASE ? 1u : vtor >= FB_STM32_SLOT0_BASE ? 0u : FB_NO_SLOT;
  }
  start(running, reason);
}

void fb_stm32_bridge_run_recovery(uint8_t reason) {
  start(FB_NO_SLOT, reason);
  for (;;) fb_stm32_bridge_poll();
}

void fb_stm32_bridge_poll(void) {
  static uint8_t batch[POLL_BATCH];
  uint32_t n = 0;
  uint32_t head = g_head;
  while (g_tail != head && n < POLL_BATCH) {
    batch[n++] = g_ring[g_tail & (RX_RING_BYTES - 1u)];
    g_tail = g_tail + 1u;
  }
  if (n == 0) return;
  fb_action_t action = fb_bridge_feed(batch, n);
  if (action == FB_ACTION_NONE) return;
  /* The answer went out with a blocking transmit: reset now; the bootloader reads why. */
  handoff_write(g_running, FB_BOOT_POWER_ON, action == FB_ACTION_ROLLBACK ? FB_BOOT_ROLLBACK : FB_BOOT_REBOOT);
  HAL_NVIC_SystemReset();
}
