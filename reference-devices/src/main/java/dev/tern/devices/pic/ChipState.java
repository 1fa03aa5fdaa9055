package dev.tern.devices.pic;

import java.util.Optional;

/**
 * Saved state of one 8259A.
 *
 * @param irr interrupt request register
 * @param imr interrupt mask register
 * @param isr in-service register
 * @param pins input pin levels
 * @param edgeSeen edge detector memory
 * @param elcr edge/level control register
 * @param lowestPriority the IRQ with the lowest priority (7 unless rotated)
 * @param vectorBase ICW2 vector base (multiple of 8)
 * @param initStep 0 operational, 1..3 awaiting ICW2..ICW4
 * @param icw4Needed ICW1 IC4
 * @param single ICW1 SNGL
 * @param levelTriggered ICW1 LTIM
 * @param autoEoi ICW4 AEOI
 * @param rotateOnAutoEoi OCW2 rotate in auto-EOI mode
 * @param specialMask OCW3 special mask mode
 * @param specialFullyNested ICW4 SFNM
 * @param pollPending OCW3 poll command awaiting its read
 * @param readIsr OCW3 read register select (true: ISR)
 * @param icw3 ICW3 as written
 * @param x86Mode ICW4 uPM
 */
public record ChipState(int irr, int imr, int isr, int pins, int edgeSeen, int elcr, int lowestPriority,
        int vectorBase, int initStep, boolean icw4Needed, boolean single, boolean levelTriggered, boolean autoEoi,
        boolean rotateOnAutoEoi, boolean specialMask, boolean specialFullyNested, boolean pollPending,
        boolean readIsr, int icw3, boolean x86Mode) {

    /** Why this state cannot be loaded, or empty. */
    Optional<String> problem(String chip) {
        int[] bytes = {irr, imr, isr, pins, edgeSeen, elcr, vectorBase, icw3};
        for (int b : bytes) {
            if (b < 0 || b > 0xff) {
                return Optional.of(chip + ": register value " + b + " is not a byte");
            }
        }
        if (lowestPriority < 0 || lowestPriority > 7) {
            return Optional.of(chip + ": lowest priority " + lowestPriority + " is not 0..7");
        }
        if (initStep < 0 || initStep > 3) {
            return Optional.of(chip + ": init step " + initStep + " is not 0..3");
        }
        if ((vectorBase & 7) != 0) {
            return Optional.of(chip + ": vector base " + vectorBase + " is not a multiple of 8");
        }
        return Optional.empty();
    }
}
