package io.lockstep.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A plain text table: a header row and left-aligned columns two spaces apart; empty cells show "-". */
public final class Table {

    private final List<String[]> rows = new ArrayList<>();
    private final int width;

    public Table(String... headers) {
        this.width = headers.length;
        rows.add(headers);
    }

    public Table row(Object... cells) {
        if (cells.length != width) {
            throw new IllegalArgumentException("a row of " + cells.length + " cells in a table of " + width);
        }
        rows.add(Arrays.stream(cells).map(Table::cell).toArray(String[]::new));
        return this;
    }

    public boolean isEmpty() {
        return rows.size() == 1;
    }

    private static String cell(Object value) {
        if (value == null) {
            return "-";
        }
        String text = value.toString().replaceAll("[\\r\\n\\t]+", " ");
        return text.isBlank() ? "-" : text;
    }

    /** The table as text, every line ending in a newline. */
    public String render() {
        int[] widths = new int[width];
        for (String[] row : rows) {
            for (int i = 0; i < width; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < width; i++) {
                line.append(row[i]);
                if (i < width - 1) {
                    line.append(" ".repeat(widths[i] - row[i].length() + 2));
                }
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        return out.toString();
    }
}
