/** ESP-IDF app image format numbers (esp_image_format.h, esp_app_desc.h). */
export const IMAGE_MAGIC = 0xe9
export const IMAGE_HEADER_BYTES = 24
export const SEGMENT_HEADER_BYTES = 8
/** ESP_IMAGE_MAX_SEGMENTS in esp_image_format.h. */
export const SEGMENTS_MAX = 16
export const CHECKSUM_SEED = 0xef
export const APP_DESC_MAGIC = 0xabcd5432
export const APP_DESC_BYTES = 256
/** Largest app partition ESP-IDF supports (16 MiB flash); anything larger is not an image. */
export const IMAGE_BYTES_MAX = 16 * 1024 * 1024

/** chip_id values of esp_chip_id_t. */
export const CHIP_IDS: Record<string, number> = {
  esp32: 0x0000, 'esp32-s2': 0x0002, 'esp32-c3': 0x0005, 'esp32-s3': 0x0009, 'esp32-c2': 0x000c, 'esp32-c6': 0x000d, 'esp32-h2': 0x0010, 'esp32-p4': 0x0012
}
export const CHIP_NAMES: Record<number, string> = Object.fromEntries(Object.entries(CHIP_IDS).map(([k, v]) => [v, k]))
