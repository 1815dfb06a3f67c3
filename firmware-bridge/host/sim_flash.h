/* Simulated NOR flash in a file, with a seeded power-cut schedule (host build only). */
#ifndef FB_SIM_FLASH_H
#define FB_SIM_FLASH_H
#include <setjmp.h>
#include <stdint.h>

int sim_flash_open(const char *path, uint32_t bytes);
void sim_flash_close(void);
/* After each power-on, the next cut lands 1..gap_max erase/program operations later; at a cut
   the operation is torn (only a seeded prefix happens) and control longjmps to *target. */
void sim_flash_power_cuts(uint32_t seed, uint32_t count, uint32_t gap_max, jmp_buf *target);
uint32_t sim_flash_cuts_done(void);
/* Makes program and erase take as long as on a real SPI NOR part (0 = instant). */
void sim_flash_timing(uint32_t program_us_per_kib, uint32_t erase_us_per_sector);
uint32_t sim_flash_ops(void);
#endif
