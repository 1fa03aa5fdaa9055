package dev.tern.devices.pci;

/** Configuration-space bytes that are live device registers rather than stored values (a capability's data port). */
interface ConfigRegisters {

    /** {@code size} bytes at {@code offset} from the start of the handed-over range. */
    int read(int offset, int size);

    /** A guest write of the low {@code size} bytes of {@code value} at {@code offset} from the start of the range. */
    void write(int offset, int size, int value);
}
