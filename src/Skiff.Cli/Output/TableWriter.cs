using System.Text;

namespace Skiff.Cli.Output;

/// <summary>
/// Go's text/tabwriter as podman configures it (minwidth 12, padding 2, padded with spaces): cells
/// end at a tab, a column is as wide as its widest cell plus padding within a block of consecutive
/// lines that have that column, and the last cell of a line is never padded.
/// </summary>
public sealed class TableWriter
{
    public const int PodmanMinWidth = 12;
    public const int PodmanPadding = 2;

    private readonly StringBuilder _buffer = new();
    private readonly int _minWidth;
    private readonly int _padding;

    public TableWriter(int minWidth = PodmanMinWidth, int padding = PodmanPadding)
    {
        _minWidth = minWidth;
        _padding = padding;
    }

    /// <summary>Appends text; cells are separated by '\t' and lines by '\n'.</summary>
    public TableWriter Write(string text)
    {
        _buffer.Append(text);
        return this;
    }

    /// <summary>Appends the cells of one row, tab-separated, and ends the line.</summary>
    public TableWriter WriteRow(params IEnumerable<string> cells)
    {
        _buffer.AppendJoin('\t', cells).Append('\n');
        return this;
    }

    /// <summary>The aligned text of everything written so far.</summary>
    public override string ToString() => Format(_buffer.ToString(), _minWidth, _padding);

    public void Flush(TextWriter output)
    {
        output.Write(ToString());
        _buffer.Clear();
    }

    /// <summary>Aligns tab-separated text as Go's tabwriter does.</summary>
    public static string Format(string text, int minWidth = PodmanMinWidth, int padding = PodmanPadding)
    {
        string[] rawLines = text.Split('\n');
        var lines = new List<string[]>(rawLines.Length);
        foreach (string line in rawLines) lines.Add(line.Split('\t'));
        var sb = new StringBuilder(text.Length + 64);
        var widths = new List<int>();
        FormatBlock(sb, lines, widths, 0, lines.Count, minWidth, padding);
        return sb.ToString();
    }

    // The recursive column-block layout of Go's tabwriter: column `widths.Count` is laid out for each
    // run of consecutive lines that have a cell there (a cell is terminated, i.e. not the line's last).
    private static void FormatBlock(StringBuilder sb, List<string[]> lines, List<int> widths, int line0, int line1, int minWidth, int padding)
    {
        int column = widths.Count;
        for (int current = line0; current < line1; current++)
        {
            if (column >= lines[current].Length - 1) continue;

            WriteLines(sb, lines, widths, line0, current);
            line0 = current;
            int width = minWidth;
            for (; current < line1; current++)
            {
                string[] cells = lines[current];
                if (column >= cells.Length - 1) break;
                int w = CellWidth(cells[column]) + padding;
                if (w > width) width = w;
            }
            widths.Add(width);
            FormatBlock(sb, lines, widths, line0, current, minWidth, padding);
            widths.RemoveAt(widths.Count - 1);
            line0 = current;
            current--;
        }
        WriteLines(sb, lines, widths, line0, line1);
    }

    private static void WriteLines(StringBuilder sb, List<string[]> lines, List<int> widths, int line0, int line1)
    {
        for (int i = line0; i < line1; i++)
        {
            string[] cells = lines[i];
            for (int j = 0; j < cells.Length; j++)
            {
                sb.Append(cells[j]);
                if (j < widths.Count && j < cells.Length - 1) sb.Append(' ', widths[j] - CellWidth(cells[j]));
            }
            if (i + 1 < lines.Count) sb.Append('\n');
        }
    }

    private static int CellWidth(string cell)
    {
        int n = 0;
        foreach (Rune _ in cell.EnumerateRunes()) n++;
        return n;
    }
}
