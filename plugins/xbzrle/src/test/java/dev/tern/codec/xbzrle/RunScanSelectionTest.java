package dev.tern.codec.xbzrle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The encoder picks its scan from what the JVM offers. Surefire runs this class twice: with
 * {@code --add-modules jdk.incubator.vector} and without it, telling the test which through
 * {@code tern.xbzrle.expectVectorModule}.
 */
class RunScanSelectionTest {

    private static final boolean MODULE = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    @Test
    void theModuleIsPresentExactlyWhenTheBuildSaysSo() {
        String expected = System.getProperty("tern.xbzrle.expectVectorModule");
        if (expected != null) {
            assertEquals(Boolean.parseBoolean(expected), MODULE, "jdk.incubator.vector in the boot layer");
        }
    }

    @Test
    void encoderUsesTheVectorScanExactlyWhenItCanRun() {
        RunScan scan = XbzrleEncoding.scan();
        if (RunScan.vectorAvailable()) {
            assertEquals("VectorRunScan", scan.getClass().getSimpleName());
        } else {
            assertInstanceOf(ScalarRunScan.class, scan);
        }
        assertTrue(MODULE || !RunScan.vectorAvailable(), "no vector scan without the module");
    }

    @Test
    void withoutTheModuleAskingForVectorsSaysWhichFlagIsMissing() {
        if (MODULE) {
            assertEquals("VectorRunScan", RunScan.vector().getClass().getSimpleName());
        } else {
            IllegalStateException e = assertThrows(IllegalStateException.class, RunScan::vector);
            assertTrue(e.getMessage().contains("--add-modules jdk.incubator.vector"), e.getMessage());
        }
    }

    @Test
    void anUnknownChoiceNamesTheProperty() {
        String before = System.getProperty(RunScan.PROPERTY);
        System.setProperty(RunScan.PROPERTY, "avx9000");
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, RunScan::fastest);
            assertTrue(e.getMessage().contains(RunScan.PROPERTY) && e.getMessage().contains("avx9000"), e.getMessage());
            System.setProperty(RunScan.PROPERTY, "scalar");
            assertInstanceOf(ScalarRunScan.class, RunScan.fastest());
        } finally {
            if (before == null) {
                System.clearProperty(RunScan.PROPERTY);
            } else {
                System.setProperty(RunScan.PROPERTY, before);
            }
        }
    }
}
