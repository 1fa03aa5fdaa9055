package dev.tern.devices.pic;

/**
 * Saved state of the cascaded 8259A pair.
 *
 * @param master the chip at 0x20
 * @param slave the chip at 0xA0, cascaded on master input 2
 */
public record PicState(ChipState master, ChipState slave) {
}
