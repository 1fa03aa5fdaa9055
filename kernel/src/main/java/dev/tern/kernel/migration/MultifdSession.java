package dev.tern.kernel.migration;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What ties a multifd channel to its migration: a random 128-bit id the source announces on the
 * main connection ({@link WireMessage#MULTIFD}: {@code id=HEX channels=N}) and every channel names
 * in its hello ({@link WireMessage#CHANNEL}: {@code id=HEX channel=I channels=N}). A connection
 * that cannot name the id — a stray, another migration's channel — is refused; so is a second
 * hello for the same index. Both texts are parsed strictly: peer input is hostile.
 *
 * @param id 32 lowercase hex digits
 * @param channels how many channels the migration opens, 1..{@link MigrationConfig#MAX_MULTIFD_CHANNELS}
 */
record MultifdSession(String id, int channels) {

    /** Numbers without leading zeros: exactly one text is accepted for each announcement and hello. */
    private static final String NUMBER = "(0|[1-9][0-9]?)";
    private static final Pattern ANNOUNCEMENT = Pattern.compile("id=([0-9a-f]{32}) channels=" + NUMBER);
    private static final Pattern HELLO = Pattern.compile("id=([0-9a-f]{32}) channel=" + NUMBER + " channels=" + NUMBER);
    private static final SecureRandom RANDOM = new SecureRandom();

    MultifdSession {
        if (!id.matches("[0-9a-f]{32}")) {
            throw new IllegalArgumentException("multifd id '" + id + "' is not 32 hex digits");
        }
        if (channels < 1 || channels > MigrationConfig.MAX_MULTIFD_CHANNELS) {
            throw new IllegalArgumentException("multifd channels must be 1.." + MigrationConfig.MAX_MULTIFD_CHANNELS
                    + ", was " + channels);
        }
    }

    /** A new session with a fresh random id. */
    static MultifdSession random(int channels) {
        byte[] id = new byte[16];
        RANDOM.nextBytes(id);
        return new MultifdSession(HexFormat.of().formatHex(id), channels);
    }

    /** The payload of {@link WireMessage#MULTIFD}. */
    String announcement() {
        return "id=" + id + " channels=" + channels;
    }

    /** Parses a {@link WireMessage#MULTIFD} payload. */
    static MultifdSession parse(String announcement) throws IOException {
        Matcher m = ANNOUNCEMENT.matcher(announcement);
        if (!m.matches()) {
            throw new IOException("multifd: the announcement '" + clip(announcement)
                    + "' is not 'id=<32 hex digits> channels=N'");
        }
        int n = Integer.parseInt(m.group(2));
        if (n < 1 || n > MigrationConfig.MAX_MULTIFD_CHANNELS) {
            throw new IOException("multifd: the source announces " + n + " channels, not 1.."
                    + MigrationConfig.MAX_MULTIFD_CHANNELS);
        }
        return new MultifdSession(m.group(1), n);
    }

    /** The payload of channel {@code index}'s {@link WireMessage#CHANNEL}. */
    String hello(int index) {
        return "id=" + id + " channel=" + index + " channels=" + channels;
    }

    /** The channel index a hello names, once it names this session and a valid index. */
    int channelOf(String hello) throws IOException {
        Matcher m = HELLO.matcher(hello);
        if (!m.matches()) {
            throw new IOException("the hello '" + clip(hello) + "' is not 'id=<32 hex digits> channel=I channels=N'");
        }
        // constant time: the id is all a stray would have to guess
        if (!MessageDigest.isEqual(m.group(1).getBytes(StandardCharsets.US_ASCII),
                id.getBytes(StandardCharsets.US_ASCII))) {
            throw new IOException("the hello names another migration's id");
        }
        int index = Integer.parseInt(m.group(2));
        int count = Integer.parseInt(m.group(3));
        if (count != channels || index >= channels) {
            throw new IOException("the hello names channel " + index + " of " + count + ", this migration has "
                    + channels + " channels");
        }
        return index;
    }

    private static String clip(String text) {
        String t = text.length() > 80 ? text.substring(0, 80) + "..." : text;
        return t.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
