/** Limits of app log files, each with the reason for its value (STYLE rule 8). */

/** Owner writes, group (an operator's adm-like group) reads, others nothing: logs can hold secrets. */
export const LOG_FILE_MODE = 0o640

/** The logs dir, created when missing: same reasoning as the files. */
export const LOG_DIR_MODE = 0o750

/** Rotated files kept per log (`.1` … `.N`): past 100, bigger files are the better answer. */
export const ROTATED_FILES_MAX = 100

/** Chunk of a rotation copy or a backward tail read: large enough for few syscalls, small enough for a Pi Zero. */
export const CHUNK_BYTES = 64 * 1024

/** A single line kept by tail or follow; longer ones are cut (marked with …), as no reader wants a 1 GB line. */
export const LINE_BYTES_MAX = 16 * 1024

/** Lines per tail request: a screenful is ~50; 10,000 covers "give me everything recent". */
export const TAIL_LINES_MAX = 10_000

/** Bytes a tail returns at most, whatever `lines` asks: bounds memory with long lines (10,000 × 16 KiB otherwise). */
export const TAIL_BYTES_MAX = 8 * 1024 * 1024

/** Follow polls this often when no fs.watch event arrives (watch misses events on some file systems, e.g. NFS, overlay). */
export const FOLLOW_POLL_MS = 250

/** Bytes read per follow round before yielding, so one burst cannot hold a large buffer. */
export const FOLLOW_READ_BYTES_MAX = 1024 * 1024

/**
 * Bytes before the read position that follow remembers: if they are no longer there, the
 * file was rotated (copy-then-truncate) and has grown past the old position since.
 */
export const FOLLOW_SIGNATURE_BYTES = 64

/** A rotation check more often than this is wasted work: a line writer cannot fill a useful bytesMax faster. */
export const ROTATE_INTERVAL_MS_MIN = 10

/** How long a rotation waits for a paused writer to show as stopped: a stop takes microseconds; 50 ms means something is odd, so rotate anyway. */
export const PAUSE_WAIT_MS_MAX = 50
