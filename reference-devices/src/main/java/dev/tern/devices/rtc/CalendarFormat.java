package dev.tern.devices.rtc;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.YearMonth;

/**
 * How the RTC's time registers encode a date: BCD or binary, 12- or 24-hour (register B bits 2
 * and 1). Decoding never fails: out-of-range register values are clamped, since the guest may
 * write anything.
 */
record CalendarFormat(boolean binary, boolean hours24) {

    static CalendarFormat of(int registerB) {
        return new CalendarFormat((registerB & 0x04) != 0, (registerB & 0x02) != 0);
    }

    int encode(int value) {
        return binary ? value : (value / 10) << 4 | value % 10;
    }

    int decode(int reg) {
        return binary ? reg : (reg >> 4) * 10 + (reg & 0x0f);
    }

    int encodeHour(int hour) {
        if (hours24) {
            return encode(hour);
        }
        int h12 = hour % 12 == 0 ? 12 : hour % 12;
        return encode(h12) | (hour >= 12 ? 0x80 : 0);
    }

    int decodeHour(int reg) {
        if (hours24) {
            return clamp(decode(reg & 0x7f), 0, 23);
        }
        int h = clamp(decode(reg & 0x7f), 1, 12) % 12;
        return (reg & 0x80) != 0 ? h + 12 : h;
    }

    /** Writes {@code epochSeconds} (UTC) into registers 0,2,4,6,7,8,9 and century 0x32 of {@code cmos}. */
    void write(long epochSeconds, byte[] cmos) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(epochSeconds, 0, ZoneOffset.UTC);
        cmos[0x00] = (byte) encode(t.getSecond());
        cmos[0x02] = (byte) encode(t.getMinute());
        cmos[0x04] = (byte) encodeHour(t.getHour());
        cmos[0x06] = (byte) encode(t.getDayOfWeek().getValue() % 7 + 1);
        cmos[0x07] = (byte) encode(t.getDayOfMonth());
        cmos[0x08] = (byte) encode(t.getMonthValue());
        cmos[0x09] = (byte) encode(Math.floorMod(t.getYear(), 100));
        cmos[RtcCmos.CENTURY] = (byte) encode(Math.floorMod(t.getYear() / 100, 100));
    }

    /** The epoch seconds (UTC) the time registers of {@code cmos} denote. */
    long read(byte[] cmos) {
        int year = clamp(decode(cmos[RtcCmos.CENTURY] & 0xff), 0, 99) * 100 + clamp(decode(cmos[0x09] & 0xff), 0, 99);
        int month = clamp(decode(cmos[0x08] & 0xff), 1, 12);
        int day = clamp(decode(cmos[0x07] & 0xff), 1, YearMonth.of(year, month).lengthOfMonth());
        int hour = decodeHour(cmos[0x04] & 0xff);
        int minute = clamp(decode(cmos[0x02] & 0xff), 0, 59);
        int second = clamp(decode(cmos[0x00] & 0xff), 0, 59);
        return LocalDateTime.of(year, month, day, hour, minute, second).toEpochSecond(ZoneOffset.UTC);
    }

    private static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
