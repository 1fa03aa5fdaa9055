/** The MC146818 real-time clock and CMOS RAM. */
package dev.tern.devices.rtc;
