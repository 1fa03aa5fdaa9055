package dev.tern.cli;

import org.junit.jupiter.api.Test;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The soak's observer tells a lost or repeated frame from a clean sequence and from a restore's rewind. */
class SoakObserverTest {

    private static void send(DatagramSocket from, int port, int... counters) throws Exception {
        for (int c : counters) {
            ByteBuffer f = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
            f.putShort(12, (short) 0xb588).put(14, (byte) 'T').put(15, (byte) 'E').put(16, (byte) 'R')
                    .put(17, (byte) 'N').putInt(18, c);
            from.send(new DatagramPacket(f.array(), 64, InetAddress.getLoopbackAddress(), port));
        }
    }

    @Test
    void aCleanSequenceAndAnAnnouncedRewindPass() throws Exception {
        try (var observer = new SoakObserver();
             var guest = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            send(guest, observer.port(), 1, 2, 3, 4);
            assertEquals(4, observer.drain());
            observer.expectNext(3);
            send(guest, observer.port(), 3, 4, 5);
            assertEquals(5, observer.drain());
            assertEquals(7, observer.packets());
            assertTrue(observer.violations().isEmpty(), observer.violations().toString());
        }
    }

    @Test
    void aLostARepeatedAndAForeignFrameAreViolations() throws Exception {
        try (var observer = new SoakObserver();
             var guest = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            send(guest, observer.port(), 1, 2, 4, 4);
            byte[] junk = new byte[30];
            guest.send(new DatagramPacket(junk, junk.length, InetAddress.getLoopbackAddress(), observer.port()));
            observer.drain();
            var v = observer.violations();
            assertEquals(3, v.size(), v.toString());
            assertTrue(v.get(0).contains("counter 4, expected 3"), v.get(0));
            assertTrue(v.get(1).contains("counter 4, expected 5"), v.get(1));
            assertTrue(v.get(2).contains("not the guest's frame"), v.get(2));
            assertEquals(0, observer.hostDropped());
        }
    }
}
