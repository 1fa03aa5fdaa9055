package dev.tern.x86.fpu;

/** Static facts about ESC encodings: which exist, which wait, which update the pointers. */
final class X87Decoder {

    private X87Decoder() {
    }

    /** Whether the encoding is a defined x87 instruction (FISTTP from SSE3 included). */
    static boolean isDefined(int opcode, int modrm) {
        int reg = (modrm >> 3) & 7;
        if (modrm < 0xC0) {
            return switch (opcode) {
                case 0xD9 -> reg != 1;
                case 0xDB -> reg != 4 && reg != 6;
                case 0xDD -> reg != 5;
                default -> true;
            };
        }
        return switch (opcode) {
            case 0xD8, 0xDC -> true;
            case 0xD9 -> modrm <= 0xD0 || modrm >= 0xD8 && modrm <= 0xE1
                    || modrm == 0xE4 || modrm == 0xE5 || modrm >= 0xE8 && modrm != 0xEF;
            case 0xDA -> modrm <= 0xDF || modrm == 0xE9;
            case 0xDB -> modrm <= 0xE4 || modrm >= 0xE8 && modrm <= 0xF7;
            case 0xDD -> modrm <= 0xEF;
            case 0xDE -> modrm <= 0xD7 || modrm == 0xD9 || modrm >= 0xE0;
            case 0xDF -> modrm <= 0xE0 || modrm >= 0xE8 && modrm <= 0xF7;
            default -> false;
        };
    }

    /** FN* forms that do not check for pending exceptions (FNINIT, FNCLEX, FNSTSW, ...). */
    static boolean isNonWaiting(int opcode, int modrm) {
        int reg = (modrm >> 3) & 7;
        if (modrm < 0xC0) {
            return opcode == 0xD9 && (reg == 6 || reg == 7)
                    || opcode == 0xDD && (reg == 6 || reg == 7);
        }
        return opcode == 0xDB && modrm >= 0xE0 && modrm <= 0xE4
                || opcode == 0xDF && modrm == 0xE0;
    }

    /** Control instructions leave FIP/FCS/FOP/FDP/FDS alone. */
    static boolean isControl(int opcode, int modrm) {
        int reg = (modrm >> 3) & 7;
        if (isNonWaiting(opcode, modrm)) {
            return true;
        }
        return modrm < 0xC0 && (opcode == 0xD9 && (reg == 4 || reg == 5) || opcode == 0xDD && reg == 4);
    }
}
