using System.Text;
using System.Text.Json;

namespace Skiff.Build.Containerfile;

/// <summary>
/// Splits a Containerfile into instructions: parser directives (<c># escape=</c>, <c># syntax=</c> ignored),
/// comments, line continuations with the escape character, JSON exec form, <c>--flag=value</c> prefixes and heredocs.
/// </summary>
public static class Parser
{
    public static readonly IReadOnlySet<string> Keywords = new HashSet<string>(StringComparer.Ordinal)
    {
        "FROM", "RUN", "COPY", "ADD", "ENV", "ARG", "LABEL", "EXPOSE", "CMD", "ENTRYPOINT", "WORKDIR", "USER",
        "VOLUME", "STOPSIGNAL", "SHELL", "HEALTHCHECK", "ONBUILD", "MAINTAINER",
    };

    // Instructions whose flags are parsed (others take `--` literally, e.g. CMD --help).
    private static readonly HashSet<string> FlagInstructions = new(StringComparer.Ordinal) { "FROM", "RUN", "COPY", "ADD", "HEALTHCHECK" };

    private static readonly HashSet<string> HeredocInstructions = new(StringComparer.Ordinal) { "RUN", "COPY", "ADD" };

    public static IReadOnlyList<Instruction> Parse(string text, string file = "Containerfile")
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        char escape = '\\';
        int i = 0;

        // Parser directives: only at the very top, before any other line (a blank line ends them).
        for (; i < lines.Length; i++)
        {
            string t = lines[i].Trim();
            if (!t.StartsWith('#'))
            {
                break;
            }
            string body = t[1..].Trim();
            int eq = body.IndexOf('=');
            if (eq <= 0)
            {
                break;
            }
            string key = body[..eq].Trim().ToLowerInvariant();
            string value = body[(eq + 1)..].Trim();
            if (key == "escape")
            {
                if (value is not ("\\" or "`"))
                {
                    throw new ContainerfileException($"{file}:{i + 1}: invalid escape token '{value}' does not match ` or \\");
                }
                escape = value[0];
            }
            else if (key != "syntax" && key != "check")
            {
                break;
            }
        }

        var result = new List<Instruction>();
        while (i < lines.Length)
        {
            string line = lines[i];
            string trimmed = line.TrimStart();
            if (trimmed.Length == 0 || trimmed.StartsWith('#'))
            {
                i++;
                continue;
            }
            int startLine = i + 1;
            var logical = new StringBuilder();
            while (true)
            {
                string current = lines[i];
                i++;
                string stripped = current.TrimEnd();
                if (stripped.Length > 0 && stripped[^1] == escape)
                {
                    logical.Append(stripped, 0, stripped.Length - 1);
                    // Comment and blank lines inside a continuation are dropped.
                    while (i < lines.Length && (lines[i].TrimStart().StartsWith('#') || lines[i].Trim().Length == 0))
                    {
                        i++;
                    }
                    if (i >= lines.Length)
                    {
                        break;
                    }
                    continue;
                }
                logical.Append(current);
                break;
            }
            string full = logical.ToString().Trim();
            int space = IndexOfSpace(full);
            string word = space < 0 ? full : full[..space];
            string keyword = word.ToUpperInvariant();
            string args = space < 0 ? "" : full[(space + 1)..].TrimStart();
            if (!Keywords.Contains(keyword))
            {
                throw new ContainerfileException($"{file}:{startLine}: unknown instruction {keyword}");
            }

            var flagList = new List<KeyValuePair<string, string>>();
            if (FlagInstructions.Contains(keyword))
            {
                while (args.StartsWith("--", StringComparison.Ordinal))
                {
                    int end = IndexOfSpace(args);
                    string flag = end < 0 ? args : args[..end];
                    args = end < 0 ? "" : args[(end + 1)..].TrimStart();
                    int eq = flag.IndexOf('=');
                    flagList.Add(eq < 0 ? new(flag[2..], "true") : new(flag[2..eq], flag[(eq + 1)..]));
                }
            }

            var heredocs = new List<Heredoc>();
            if (HeredocInstructions.Contains(keyword))
            {
                foreach ((string name, bool strip, bool expand) in HeredocMarkers(args))
                {
                    var body = new StringBuilder();
                    bool closed = false;
                    while (i < lines.Length)
                    {
                        string l = lines[i++];
                        string cmp = strip ? l.TrimStart('\t') : l;
                        if (cmp == name)
                        {
                            closed = true;
                            break;
                        }
                        body.Append(cmp).Append('\n');
                    }
                    if (!closed)
                    {
                        throw new ContainerfileException($"{file}:{startLine}: unterminated heredoc {name}");
                    }
                    heredocs.Add(new Heredoc(name, body.ToString(), expand));
                }
            }

            IReadOnlyList<string>? exec = null;
            if (args.StartsWith('[') && keyword is "RUN" or "CMD" or "ENTRYPOINT" or "SHELL" or "COPY" or "ADD" or "VOLUME" or "HEALTHCHECK")
            {
                exec = TryJsonArray(args);
            }
            if (keyword == "SHELL" && exec is null)
            {
                throw new ContainerfileException($"{file}:{startLine}: SHELL requires the arguments to be in JSON form");
            }

            var flags = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (KeyValuePair<string, string> kv in flagList)
            {
                flags[kv.Key] = kv.Value;
            }
            result.Add(new Instruction
            {
                Keyword = keyword,
                Arguments = args,
                Flags = flags,
                FlagList = flagList,
                ExecForm = exec,
                Heredocs = heredocs,
                Original = keyword + (full.Length > word.Length ? " " + full[(space + 1)..].TrimStart() : ""),
                File = file,
                Line = startLine,
            });
        }
        return result;
    }

    private static int IndexOfSpace(string s)
    {
        for (int k = 0; k < s.Length; k++)
        {
            if (char.IsWhiteSpace(s[k]))
            {
                return k;
            }
        }
        return -1;
    }

    /// <summary>Heredoc markers on an instruction line: <c>&lt;&lt;EOF</c>, <c>&lt;&lt;-EOF</c>, <c>&lt;&lt;"EOF"</c>, <c>&lt;&lt;'EOF'</c>.</summary>
    internal static List<(string Name, bool Strip, bool Expand)> HeredocMarkers(string args)
    {
        var result = new List<(string, bool, bool)>();
        int pos = 0;
        while ((pos = args.IndexOf("<<", pos, StringComparison.Ordinal)) >= 0)
        {
            int k = pos + 2;
            bool strip = k < args.Length && args[k] == '-';
            if (strip)
            {
                k++;
            }
            bool quoted = k < args.Length && args[k] is '"' or '\'';
            char quote = quoted ? args[k] : '\0';
            if (quoted)
            {
                k++;
            }
            int start = k;
            while (k < args.Length && (char.IsLetterOrDigit(args[k]) || args[k] == '_'))
            {
                k++;
            }
            if (k > start && (!quoted || (k < args.Length && args[k] == quote)))
            {
                result.Add((args[start..k], strip, !quoted));
            }
            pos = k + (quoted ? 1 : 0);
        }
        return result;
    }

    private static List<string>? TryJsonArray(string text)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(text);
            if (doc.RootElement.ValueKind == JsonValueKind.Array && doc.RootElement.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String))
            {
                return doc.RootElement.EnumerateArray().Select(e => e.GetString()!).ToList();
            }
        }
        catch (JsonException)
        {
        }
        return null;
    }
}
