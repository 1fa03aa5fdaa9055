package dev.tern.devices.virtio.net;

import java.util.HexFormat;

/**
 * A 48-bit Ethernet address.
 *
 * @param bytes six bytes
 */
public record MacAddress(byte[] bytes) {

    public MacAddress {
        if (bytes.length != 6) {
            throw new IllegalArgumentException("a MAC address has 6 bytes, not " + bytes.length);
        }
        bytes = bytes.clone();
        if ((bytes[0] & 1) != 0) {
            throw new IllegalArgumentException("MAC address " + HexFormat.ofDelimiter(":").formatHex(bytes)
                    + " is a multicast address");
        }
    }

    /** Parses {@code 52:54:00:12:34:56}. */
    public static MacAddress parse(String text) {
        String[] parts = text.trim().split("[:-]");
        if (parts.length != 6) {
            throw new IllegalArgumentException("'" + text + "' is not a MAC address like 52:54:00:12:34:56");
        }
        byte[] b = new byte[6];
        for (int i = 0; i < 6; i++) {
            if (!parts[i].matches("[0-9a-fA-F]{2}")) {
                throw new IllegalArgumentException("'" + text + "' is not a MAC address like 52:54:00:12:34:56");
            }
            b[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return new MacAddress(b);
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    @Override
    public String toString() {
        return HexFormat.ofDelimiter(":").formatHex(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MacAddress m && java.util.Arrays.equals(bytes, m.bytes);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(bytes);
    }
}
