package dev.tern.devices.uart;

import java.util.Optional;

/**
 * Saved state of a 16550A.
 *
 * @param ier interrupt enable register (bits 0-3)
 * @param lcr line control register
 * @param mcr modem control register (bits 0-4)
 * @param lsrErrors LSR error bits (OE, PE, FE, BI) not yet read
 * @param msrDeltas MSR delta bits (0-3) not yet read
 * @param scr scratch register
 * @param divisor baud rate divisor (DLM:DLL)
 * @param fifoEnabled FCR bit 0
 * @param fcr FCR bits as last programmed (trigger level, DMA mode)
 * @param rxFifo received bytes not yet read, oldest first
 * @param lastRbr the byte an empty receive buffer reads as
 * @param threPending the THRE interrupt is pending
 * @param ctiPending the character timeout interrupt is pending
 * @param timeoutDeadline virtual time the character timeout fires at, or -1
 * @param hostPending host input waiting for room in the receive FIFO
 */
public record UartState(int ier, int lcr, int mcr, int lsrErrors, int msrDeltas, int scr, int divisor,
        boolean fifoEnabled, int fcr, byte[] rxFifo, int lastRbr, boolean threPending, boolean ctiPending,
        long timeoutDeadline, byte[] hostPending) {

    Optional<String> problem() {
        if ((ier & ~0x0f) != 0 || (lcr & ~0xff) != 0 || (mcr & ~0x1f) != 0 || (lsrErrors & ~0x1e) != 0
                || (msrDeltas & ~0x0f) != 0 || (scr & ~0xff) != 0 || (divisor & ~0xffff) != 0
                || (fcr & ~0xff) != 0 || (lastRbr & ~0xff) != 0) {
            return Optional.of("uart16550: a register value is out of range");
        }
        if (rxFifo == null || rxFifo.length > Uart16550.FIFO_SIZE || (!fifoEnabled && rxFifo.length > 1)) {
            return Optional.of("uart16550: receive FIFO holds " + (rxFifo == null ? "null" : rxFifo.length) + " bytes");
        }
        if (hostPending == null || hostPending.length > Uart16550.HOST_BUFFER) {
            return Optional.of("uart16550: host input buffer is missing or too large");
        }
        if (timeoutDeadline < -1) {
            return Optional.of("uart16550: timeout deadline " + timeoutDeadline);
        }
        return Optional.empty();
    }
}
