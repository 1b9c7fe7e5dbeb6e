using System.Text;

namespace Skiff.Build.Containers;

/// <summary>Splits a command line into words the way a POSIX shell would, without expansions.</summary>
public static class ShellWords
{
    public static List<string> Split(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var words = new List<string>();
        var current = new StringBuilder();
        bool inWord = false;
        for (int i = 0; i < line.Length; i++)
        {
            char ch = line[i];
            if (ch is ' ' or '\t' or '\n' or '\r')
            {
                if (inWord)
                {
                    words.Add(current.ToString());
                    current.Clear();
                    inWord = false;
                }
                continue;
            }
            inWord = true;
            if (ch == '\\' && i + 1 < line.Length)
            {
                current.Append(line[++i]);
            }
            else if (ch is '\'' or '"')
            {
                int end = i + 1;
                while (end < line.Length && line[end] != ch)
                {
                    if (ch == '"' && line[end] == '\\' && end + 1 < line.Length && line[end + 1] is '"' or '\\' or '$' or '`')
                    {
                        end++;
                    }
                    current.Append(line[end]);
                    end++;
                }
                if (end >= line.Length)
                {
                    throw new BuildException($"unterminated quote in \"{line}\"");
                }
                i = end;
            }
            else
            {
                current.Append(ch);
            }
        }
        if (inWord)
        {
            words.Add(current.ToString());
        }
        return words;
    }
}
