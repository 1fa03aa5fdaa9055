package dev.tern.devices.i8042;

import java.util.Optional;

/**
 * Saved state of the keyboard controller and its keyboard.
 *
 * @param commandByte controller command byte (RAM byte 0)
 * @param ram controller RAM bytes 1-31
 * @param outputPort controller output port as last written (bits 4/5 are derived)
 * @param pendingCommand a controller command awaiting its data byte, or 0
 * @param lastWasCommand the last write went to port 0x64 (status bit 3)
 * @param queue bytes waiting for the output buffer; bit 8 marks bytes from the auxiliary port
 * @param lastRead what port 0x60 returns when the output buffer is empty
 * @param kbdScanning keyboard scanning enabled
 * @param kbdPendingCommand keyboard command awaiting its argument, or 0
 * @param kbdScancodeSet keyboard scan code set 1..3
 * @param kbdLeds keyboard LED bits
 * @param kbdTypematic keyboard typematic setting
 * @param kbdLastSent the keyboard's last byte, for resend
 */
public record I8042State(int commandByte, byte[] ram, int outputPort, int pendingCommand, boolean lastWasCommand,
        int[] queue, int lastRead, boolean kbdScanning, int kbdPendingCommand, int kbdScancodeSet, int kbdLeds,
        int kbdTypematic, int kbdLastSent) {

    Optional<String> problem() {
        if (ram == null || ram.length != 32 || queue == null || queue.length > KeyboardController.QUEUE_LIMIT) {
            return Optional.of("i8042: RAM must be 32 bytes and the queue at most " + KeyboardController.QUEUE_LIMIT);
        }
        for (int q : queue) {
            if (q < 0 || q > 0x1ff) {
                return Optional.of("i8042: queued value " + q + " out of range");
            }
        }
        int[] bytes = {commandByte, outputPort, pendingCommand, lastRead, kbdPendingCommand, kbdLeds, kbdTypematic,
                kbdLastSent};
        for (int b : bytes) {
            if (b < 0 || b > 0xff) {
                return Optional.of("i8042: register value " + b + " is not a byte");
            }
        }
        if (kbdScancodeSet < 1 || kbdScancodeSet > 3) {
            return Optional.of("i8042: scan code set " + kbdScancodeSet);
        }
        return Optional.empty();
    }
}
