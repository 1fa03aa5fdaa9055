package dev.tern.kernel.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tern.spi.Registration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ServiceDirectoryTest {

    record Bus(String name) {
    }

    @Test
    void oneServicePerTypeUntilItIsWithdrawn() {
        ServiceDirectory d = new ServiceDirectory();
        Registration r = d.publish(Bus.class, new Bus("a"));
        assertEquals(Optional.of(new Bus("a")), d.find(Bus.class));
        var e = assertThrows(IllegalStateException.class, () -> d.publish(Bus.class, new Bus("b")));
        assertTrue(e.getMessage().contains("already has a Bus"), e.getMessage());
        r.close();
        r.close();
        assertEquals(Optional.empty(), d.find(Bus.class));
        d.publish(Bus.class, new Bus("b"));
        assertEquals(Optional.of(new Bus("b")), d.find(Bus.class));
    }

    @Test
    void machinesDoNotSeeEachOthersServices() {
        ServiceDirectory one = new ServiceDirectory();
        ServiceDirectory two = new ServiceDirectory();
        one.publish(Bus.class, new Bus("one"));
        assertEquals(Optional.empty(), two.find(Bus.class));
    }

    @Test
    void aWithdrawnRegistrationDoesNotRemoveItsSuccessor() {
        ServiceDirectory d = new ServiceDirectory();
        Registration old = d.publish(Bus.class, new Bus("old"));
        old.close();
        d.publish(Bus.class, new Bus("new"));
        old.close();
        assertEquals(Optional.of(new Bus("new")), d.find(Bus.class));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    @Test
    void aServiceOfTheWrongTypeIsRefused() {
        ServiceDirectory d = new ServiceDirectory();
        assertThrows(IllegalArgumentException.class, () -> d.publish((Class) Bus.class, "not a bus"));
    }
}
