package dev.tern.devices.i8042;

import java.util.function.IntConsumer;

/**
 * The keyboard on the i8042's first port, as far as command handling goes: acknowledges, reset
 * with a passed self-test, identify, LEDs, typematic rate, scan code set and scanning on/off.
 * Replies go to the controller's output queue.
 */
final class Ps2Keyboard {

    static final int ACK = 0xfa;
    static final int RESEND = 0xfe;
    static final int SELF_TEST_PASSED = 0xaa;

    boolean scanning = true;
    /** A command waiting for its argument byte, or 0. */
    int pendingCommand;
    int scancodeSet = 2;
    int leds;
    int typematic = 0x2b;
    int lastSent = SELF_TEST_PASSED;

    void reset() {
        scanning = true;
        pendingCommand = 0;
        scancodeSet = 2;
        leds = 0;
        typematic = 0x2b;
        lastSent = SELF_TEST_PASSED;
    }

    /** A byte the host (guest) sent to the keyboard; {@code translated} is controller translation (CCB bit 6). */
    void receive(int b, boolean translated, IntConsumer reply) {
        IntConsumer send = v -> {
            lastSent = v;
            reply.accept(v);
        };
        if (pendingCommand != 0) {
            argument(b, send);
            return;
        }
        switch (b) {
            case 0xff -> {
                reset();
                send.accept(ACK);
                send.accept(SELF_TEST_PASSED);
            }
            case 0xfe -> reply.accept(lastSent);
            case 0xf6 -> {
                scancodeSet = 2;
                typematic = 0x2b;
                leds = 0;
                send.accept(ACK);
            }
            case 0xf5 -> {
                scanning = false;
                send.accept(ACK);
            }
            case 0xf4 -> {
                scanning = true;
                send.accept(ACK);
            }
            case 0xf3, 0xf0, 0xed -> {
                pendingCommand = b;
                send.accept(ACK);
            }
            case 0xf2 -> {
                send.accept(ACK);
                send.accept(0xab);
                send.accept(translated ? 0x41 : 0x83);
            }
            case 0xee -> send.accept(0xee);
            default -> send.accept(RESEND);
        }
    }

    private void argument(int b, IntConsumer send) {
        int command = pendingCommand;
        pendingCommand = 0;
        switch (command) {
            case 0xed -> leds = b & 0x07;
            case 0xf3 -> typematic = b & 0x7f;
            default -> {
                if (b == 0) {
                    send.accept(ACK);
                    send.accept(scancodeSet);
                    return;
                }
                if (b > 3) {
                    send.accept(RESEND);
                    return;
                }
                scancodeSet = b;
            }
        }
        send.accept(ACK);
    }
}
