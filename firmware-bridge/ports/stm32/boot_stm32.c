/*
 * The STM32 bootloader (its own image at 0x08000000, stm32_layout.h): slots.c's boot decision
 * over the metadata log, exactly as the host simulation runs it (fb_slots_boot: a NEW slot boots
 * once as PENDING_VERIFY, a PENDING_VERIFY slot booted again is ABORTED and the other VALID slot
 * boots, a slot whose SHA-256 no longer matches is INVALID), then a jump into the chosen slot's
 * vector table behind its FleetD image header. No bootable slot: it runs the bridge itself, so
 * a gateway can still send an image (into slot 0).
 */
#include "../../src/protocol.h"
#include "../../src/slots.h"
#include "../../src/stm32_image.h"
#include "port_stm32.h"
#include "stm32_layout.h"
#include <string.h>

#define HANDOFF ((volatile fb_stm32_handoff_t *)FB_STM32_HANDOFF_ADDR)
/* Each refused slot is marked and the decision runs again: two slots, so two refusals at most. */
#define JUMP_ATTEMPTS_MAX 2u

static uint32_t slot_base(uint8_t slot) { return slot == 0u ? FB_STM32_SLOT0_BASE : FB_STM32_SLOT1_BASE; }

static uint32_t read32(uint32_t addr) { return *(const volatile uint32_t *)(uintptr_t)addr; }

/* The image must be for this slot (load_addr 0 or this slot's vector table) and its vector table
   must point into SRAM (stack) and into the slot (reset handler, Thumb bit set). */
static int runnable(uint8_t slot, uint32_t *vectors) {
  uint32_t base = slot_base(slot);
  uint32_t vt = base + FB_STM32_HEADER_BYTES;
  if (read32(base + FB_STM32_OFF_MAGIC) != FB_STM32_IMAGE_MAGIC) return 0;
  uint32_t load = read32(base + FB_STM32_OFF_LOAD_ADDR);
  if (load != 0u && load != vt) return 0;
  uint32_t sp = read32(vt), pc = read32(vt + 4u);
  if (sp < FB_STM32_SRAM_BASE + sizeof(fb_stm32_handoff_t) || sp > FB_STM32_SRAM_END) return 0;
  if ((pc & 1u) == 0u || pc < vt || pc >= base + FB_STM32_SLOT_BYTES) return 0;
  *vectors = vt;
  return 1;
}

static void jump(uint32_t vectors) {
  uint32_t sp = read32(vectors), pc = read32(vectors + 4u);
  (void)HAL_DeInit();
  SysTick->CTRL = 0;
  __disable_irq();
  SCB->VTOR = vectors;
  __DSB();
  __ISB();
  __set_MSP(sp);
  __enable_irq();
  void (*reset_handler)(void) = (void (*)(void))(uintptr_t)pc;
  reset_handler();
  for (;;) {}
}

int main(void) {
  (void)HAL_Init();
  /* Why this boot: the app asked for a reset (REBOOT, ROLLBACK) or the power came on. */
  uint8_t reason = FB_BOOT_POWER_ON;
  if (HANDOFF->magic == FB_STM32_HANDOFF_MAGIC && (HANDOFF->request == FB_BOOT_REBOOT || HANDOFF->request == FB_BOOT_ROLLBACK)) reason = HANDOFF->request;
  HANDOFF->magic = 0;
  fb_slots_init(FB_STM32_SLOT_BYTES);
  for (uint32_t attempt = 0; attempt <= JUMP_ATTEMPTS_MAX; attempt++) {
    uint8_t why = reason;
    uint8_t slot = fb_slots_boot(&why);
    if (slot == FB_NO_SLOT) break;
    uint32_t vectors = 0;
    if (runnable(slot, &vectors)) {
      HANDOFF->slot = slot;
      HANDOFF->reason = why;
      HANDOFF->request = 0;
      HANDOFF->pad = 0;
      HANDOFF->magic = FB_STM32_HANDOFF_MAGIC;
      HANDOFF->check = ~FB_STM32_HANDOFF_MAGIC ^ ((uint32_t)slot | ((uint32_t)why << 8));
      jump(vectors);
    }
    /* Intact but not runnable here (linked for the other slot, a broken vector table): the
       bridge's ROLLBACK path marks it INVALID and points boot at the other VALID slot. */
    if (fb_ota_mark_invalid() != FB_OK) break;
    reason = FB_BOOT_BOOTLOADER_ROLLBACK;
  }
  fb_stm32_board_init();
  fb_stm32_bridge_run_recovery(reason);
}
