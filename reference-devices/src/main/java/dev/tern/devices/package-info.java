/**
 * The PC reference devices, each a {@link dev.tern.spi.device.DeviceProvider} found by ServiceLoader
 * and depending only on the SPI: {@code i8259} (interrupt controllers), {@code i8254} (interval timer
 * and port 0x61), {@code uart16550} (serial port with {@link dev.tern.devices.chardev character
 * backends}), {@code mc146818} (RTC/CMOS), {@code i8042} (keyboard controller), {@code port80},
 * {@code port92}, {@code debugcon} and {@code isa-debug-exit}. Guest register writes never throw:
 * out-of-range values are masked or ignored as the hardware does.
 */
package dev.tern.devices;
