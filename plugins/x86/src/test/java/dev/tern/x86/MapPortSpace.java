package dev.tern.x86;

import dev.tern.spi.Registration;
import dev.tern.spi.io.PortIoHandler;
import dev.tern.spi.io.PortIoSpace;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A port space over a map of port values, recording every OUT (a test fixture). */
final class MapPortSpace implements PortIoSpace {

    final Map<Integer, Integer> values = new HashMap<>();
    final List<int[]> writes = new ArrayList<>();
    /** What an OUT to a port does besides being recorded (a device's side effect, e.g. DMA). */
    final Map<Integer, java.util.function.IntConsumer> effects = new HashMap<>();

    @Override
    public Registration register(String owner, int base, int count, PortIoHandler handler) {
        throw new UnsupportedOperationException("fixture has no handlers");
    }

    @Override
    public int read(int port, int size) {
        return values.getOrDefault(port, -1);
    }

    @Override
    public void write(int port, int size, int value) {
        writes.add(new int[] {port, size, value});
        java.util.function.IntConsumer effect = effects.get(port);
        if (effect != null) {
            effect.accept(value);
        }
    }
}
