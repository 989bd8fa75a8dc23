/* The guest's screen on the terminal (--display text) and in a file (--screendump): the I/O
 * thread takes a snapshot of the VGA text screen 30 times a second and sends the terminal
 * only what changed; at the end the last screen stays on the terminal. */
#ifndef CORE_DISPLAY_H
#define CORE_DISPLAY_H

#include "../devices/vga.h"

/* The screen to watch: the VGA's registers and guest RAM (ram_size bytes from address 0). */
void display_attach(const struct vga *v, const uint8_t *ram, uint64_t ram_size);
/* Draw on fd (a terminal) from now on; needs the event loop. 0, or -1 with errno. */
int display_start(int fd);
/* The terminal changed size: redraw it whole. */
void display_redraw(void);
/* Ctrl-A z: give the terminal back its cursor and line wrapping (the next frame after fg
 * redraws the screen). */
void display_suspend(void);
/* From a signal handler: the terminal's cursor and line wrapping back, async-signal-safe. */
void display_restore_now(void);
/* The last frame, and the terminal left with ordinary colours, its cursor below the screen. */
void display_finish(void);

/* --screendump: make the temporary file beside path now (later there is no opening files);
 * should vmm end before the guest runs, it is removed. 0, or -1 with a message in err. */
int screendump_prepare(const char *path, char *err, size_t errlen);
/* Write the screen as it is into it and rename it into place. 0, or -1 with errno. */
int screendump_write(void);

#endif
