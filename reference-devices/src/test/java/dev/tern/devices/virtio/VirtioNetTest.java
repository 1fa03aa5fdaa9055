package dev.tern.devices.virtio;

import dev.tern.devices.virtio.LegacyVirtioDriver.Buffer;
import dev.tern.devices.virtio.net.NetHub;
import dev.tern.devices.virtio.net.UdpBackend;
import dev.tern.devices.virtio.net.VirtioNet;
import dev.tern.devices.virtio.net.VirtioNetProvider;
import dev.tern.spi.ConfigException;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceProvider;
import dev.tern.testkit.DeviceContract;
import dev.tern.testkit.DeviceHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** virtio-net through its legacy guest interface, on a hub and over UDP loopback. */
class VirtioNetTest extends DeviceContract {

    private static final long RINGS = 0x300000;
    private static final long RX_BUFFERS = 0x400000;
    private static final long TX_BUFFER = 0x500000;
    private static final int RX_BUFFER_SIZE = 2048;

    private final List<Device> mine = new ArrayList<>();

    @AfterEach
    void powerOffMine() {
        mine.forEach(Device::powerOff);
        mine.clear();
    }

    @Override
    protected DeviceProvider provider() {
        return new VirtioNetProvider();
    }

    @Override
    protected Map<String, String> config() {
        return Map.of("backend", "hub", "hub", "contract-hub");
    }

    @Override
    protected DeviceHarness harness() {
        return VirtioRig.contractHarness(provider(), config());
    }

    @Override
    protected void exercise(DeviceHarness h, Device device, Random rnd, int operations) {
        VirtioRig.hostileActions(h, rnd, Math.min(operations, 5_000));
        super.exercise(h, device, rnd, operations);
    }

    @Override
    protected void hostInput(Device device, Random rnd) {
        // Another station on the contract hub sends a frame; it arrives as a posted event.
        var port = NetHub.named("contract-hub").join();
        byte[] frame = new byte[14 + rnd.nextInt(200)];
        rnd.nextBytes(frame);
        port.send(frame);
        port.close();
    }

    private record Nic(DeviceHarness h, Device device, LegacyVirtioDriver driver) {
        VirtioNet model() {
            return (VirtioNet) ((VirtioPciDevice) device).model();
        }
    }

    private Nic nic(Map<String, String> config) {
        DeviceHarness h = VirtioRig.machine();
        Device d = VirtioRig.add(h, "vnet0", new VirtioNetProvider(), config);
        mine.add(d);
        var driver = new LegacyVirtioDriver(LegacyVirtioDriver.ConfigAccess.mechanism1(h.ports()), 1, h.ports(),
                h.memory(), VirtioRig.IO_BASE);
        long features = driver.initialize(-1L, RINGS, 2);
        assertTrue((features & 1L << 5) != 0, "VIRTIO_NET_F_MAC");
        return new Nic(h, d, driver);
    }

    private static void offerRxBuffers(Nic n, int count) {
        for (int i = 0; i < count; i++) {
            n.driver().submit(0, List.of(new Buffer(RX_BUFFERS + (long) i * RX_BUFFER_SIZE, RX_BUFFER_SIZE, true)));
        }
        n.driver().notify(0);
    }

    private static byte[] frame(int length, int seed) {
        byte[] f = new byte[length];
        new Random(seed).nextBytes(f);
        return f;
    }

    /** The guest sends {@code frame} with a 10-byte legacy header in its own descriptor. */
    private static void transmit(Nic n, byte[] frame) {
        n.h().memory().write(TX_BUFFER, new byte[10], 0, 10);
        n.h().memory().write(TX_BUFFER + 16, frame, 0, frame.length);
        n.driver().submit(1, List.of(new Buffer(TX_BUFFER, 10, false), new Buffer(TX_BUFFER + 16, frame.length, false)));
        n.driver().notify(1);
        assertTrue(n.driver().takeUsed(1) != null, "TX buffer returned");
    }

    private static byte[] received(Nic n, long[] used) {
        int len = (int) used[1];
        byte[] buf = new byte[len];
        n.h().memory().read(RX_BUFFERS + used[0] * RX_BUFFER_SIZE, buf, 0, len);
        for (int i = 0; i < 10; i++) {
            assertEquals(0, buf[i], "virtio_net_hdr is zero: no offloads");
        }
        return Arrays.copyOfRange(buf, 10, len);
    }

    @Test
    void configSpaceHoldsMacAndLinkUp() {
        Nic n = nic(Map.of("mac", "52:54:00:ab:cd:ef"));
        int[] mac = new int[6];
        for (int i = 0; i < 6; i++) {
            mac[i] = n.driver().configByte(i);
        }
        assertArrayEquals(new int[] {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef}, mac);
        assertEquals(1, n.driver().configByte(6), "VIRTIO_NET_S_LINK_UP");
        var cfg = LegacyVirtioDriver.ConfigAccess.mechanism1(n.h().ports());
        assertEquals(0x1000, cfg.read(1, 2, 2));
        assertEquals(1, cfg.read(1, 0x2e, 2));
        assertEquals(0x020000, cfg.read(1, 8, 4) >>> 8);
    }

    @Test
    void framesCrossAHubOnlyThroughPostedEvents() {
        Map<String, String> cfg = Map.of("backend", "hub", "hub", "test-hub-cross");
        Nic a = nic(cfg);
        Nic b = nic(new HashMap<>(Map.of("backend", "hub", "hub", "test-hub-cross", "mac", "52:54:00:00:00:02")));
        offerRxBuffers(b, 4);
        byte[] f = frame(60, 1);
        transmit(a, f);
        assertEquals(1, b.h().machine().pendingEvents(), "delivery waits for the receiver's event path");
        assertEquals(0, b.driver().usedIndex(0));
        assertEquals(0, a.h().machine().pendingEvents(), "the sender does not hear itself");
        int irq = LegacyVirtioDriver.ConfigAccess.mechanism1(b.h().ports()).read(1, 0x3c, 1);
        assertFalse(b.h().interrupts().level(irq));
        b.h().machine().runPosted();
        long[] used = b.driver().takeUsed(0);
        assertEquals(70, used[1], "header plus frame");
        assertArrayEquals(f, received(b, used));
        assertTrue(b.h().interrupts().level(irq));
        assertEquals(1, b.driver().readIsr());
        assertEquals(1, b.model().received());
    }

    @Test
    void withoutReceiveBuffersFramesQueueBoundedThenDrop() {
        Map<String, String> cfg = Map.of("backend", "hub", "hub", "test-hub-drop");
        Nic a = nic(cfg);
        Nic b = nic(cfg);
        int sent = VirtioNet.MAX_PENDING + 6;
        for (int i = 0; i < sent; i++) {
            transmit(a, frame(64, 100 + i));
        }
        b.h().machine().runPosted();
        assertEquals(6, b.model().rxDropped());
        assertEquals(0, b.driver().usedIndex(0));
        offerRxBuffers(b, 8);
        for (int i = 0; i < 8; i++) {
            long[] used = b.driver().takeUsed(0);
            assertArrayEquals(frame(64, 100 + i), received(b, used), "oldest frames first");
        }
        assertNull(b.driver().takeUsed(0));
        offerRxBuffers(b, 100);
        assertEquals(VirtioNet.MAX_PENDING, b.model().received());
    }

    @Test
    void framesBeforeDriverOkAreDroppedAndBuffersTooSmallAreReturnedEmpty() {
        Map<String, String> cfg = Map.of("backend", "hub", "hub", "test-hub-small");
        Nic a = nic(cfg);
        Nic b = nic(cfg);
        b.driver().setStatus(LegacyVirtioDriver.ACKNOWLEDGE | LegacyVirtioDriver.DRIVER);
        transmit(a, frame(64, 5));
        b.h().machine().runPosted();
        assertEquals(1, b.model().rxDropped(), "driver not ready");
        b.driver().setStatus(7);
        b.driver().submit(0, List.of(new Buffer(RX_BUFFERS, 32, true)));
        b.driver().notify(0);
        transmit(a, frame(64, 6));
        b.h().machine().runPosted();
        long[] used = b.driver().takeUsed(0);
        assertEquals(0, used[1], "a buffer too small for the frame comes back empty");
        assertEquals(2, b.model().rxDropped());
    }

    @Test
    void udpBackendCarriesOneFramePerDatagramOnLoopback() throws IOException, InterruptedException {
        try (DatagramSocket peer = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            peer.setSoTimeout(10_000); // a failure guard only; delivery itself is awaited by the blocking receive
            Nic n = nic(Map.of("backend", "udp", "local", "127.0.0.1:0", "remote", "127.0.0.1:" + peer.getLocalPort()));
            offerRxBuffers(n, 2);
            byte[] out = frame(98, 7);
            transmit(n, out);
            DatagramPacket p = new DatagramPacket(new byte[2000], 2000);
            peer.receive(p);
            assertArrayEquals(out, Arrays.copyOf(p.getData(), p.getLength()));

            InetSocketAddress local = ((UdpBackend) n.model().backend()).localAddress();
            byte[] in = frame(120, 8);
            peer.send(new DatagramPacket(in, in.length, InetAddress.getLoopbackAddress(), local.getPort()));
            assertTrue(n.h().machine().runNextPosted(10_000), "the datagram arrives as a posted event");
            assertArrayEquals(in, received(n, n.driver().takeUsed(0)));
        }
    }

    @Test
    void aUdpBackendWhoseSocketIsGoneSaysSoAndAFrameTheHostRefusesOnceIsCountedLost() throws IOException {
        try (DatagramSocket peer = new DatagramSocket(0, InetAddress.getLoopbackAddress());
                UdpBackend b = new UdpBackend("net0", new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), peer.getLocalPort()))) {
            peer.setSoTimeout(10_000); // a failure guard only
            int port = b.localAddress().getPort();
            var sink = new dev.tern.devices.virtio.net.NetBackendSink(b);
            sink.deliver(0, new byte[] {1, 2, 3});
            DatagramPacket p = new DatagramPacket(new byte[16], 16);
            peer.receive(p);
            assertEquals(3, p.getLength());
            assertTrue(sink.failure().isEmpty());

            sink.deliver(1, new byte[UdpBackend.MAX_FRAME]); // larger than a UDP datagram may be: EMSGSIZE
            assertEquals(1, b.framesLost(), "a frame the host refused once is lost, as on a wire");
            assertTrue(b.lastLoss().orElseThrow().contains("too long"), b.lastLoss().orElseThrow());
            assertTrue(sink.failure().isEmpty(), "and the backend sends on");

            // an interrupt of the sending thread closes a JDK channel under the send: the socket is gone
            Thread.currentThread().interrupt();
            sink.deliver(2, new byte[] {4});
            assertTrue(Thread.interrupted());
            String failure = sink.failure().orElseThrow();
            assertTrue(failure.startsWith("net0: UDP socket /127.0.0.1:" + port + " -> "),
                    failure);
            assertTrue(failure.endsWith("is closed (ClosedByInterruptException); no frame can be sent"), failure);
            sink.deliver(3, new byte[] {5});
            assertEquals(failure, sink.failure().orElseThrow(), "the first failure stays the one named");
        }
    }

    @Test
    void badBackendConfigurationsAreRefused() {
        assertThrows(ConfigException.class, () -> new VirtioNetProvider().create(
                VirtioRig.contractHarness(provider(), Map.of("backend", "tap"))));
        assertThrows(ConfigException.class, () -> new VirtioNetProvider().create(
                VirtioRig.contractHarness(provider(), Map.of("mac", "01:00:5e:00:00:01"))));
        assertThrows(ConfigException.class, () -> new VirtioNetProvider().create(
                VirtioRig.contractHarness(provider(), Map.of("backend", "udp", "remote", "nohost"))));
    }
}
