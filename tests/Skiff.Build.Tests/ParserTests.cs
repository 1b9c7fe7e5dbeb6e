using Skiff.Build.Containerfile;

namespace Skiff.Build.Tests;

public class ParserTests
{
    [Fact]
    public void Continuations_comments_and_flags()
    {
        var ins = Parser.Parse("""
            # a comment
            FROM busybox AS base
            RUN echo a \
              # a comment inside is dropped
              && echo b
            COPY --from=base --chown=1:2 /a /b
            """);
        Assert.Equal(["FROM", "RUN", "COPY"], ins.Select(i => i.Keyword));
        Assert.Equal("echo a   && echo b", ins[1].Arguments.Trim());
        Assert.Equal(3, ins[1].Line);
        Assert.Equal("base", ins[2].Flags["from"]);
        Assert.Equal("1:2", ins[2].Flags["chown"]);
        Assert.Equal("/a /b", ins[2].Arguments);
    }

    [Fact]
    public void The_escape_directive_changes_the_continuation_character()
    {
        var ins = Parser.Parse("# escape=`\nFROM busybox\nRUN echo a `\n  b\nWORKDIR C:\\dir\n");
        Assert.Equal("echo a   b", ins[1].Arguments);
        Assert.Equal("C:\\dir", ins[2].Arguments);
    }

    [Fact]
    public void Exec_form_and_heredocs()
    {
        var ins = Parser.Parse("FROM x\nCMD [\"sh\", \"-c\", \"echo hi\"]\nRUN <<EOF\necho one\necho two\nEOF\nRUN <<-'END'\n\techo literal $X\n\tEND\n");
        Assert.Equal(["sh", "-c", "echo hi"], ins[1].ExecForm);
        Assert.Equal("echo one\necho two\n", Assert.Single(ins[2].Heredocs).Content);
        Heredoc literal = Assert.Single(ins[3].Heredocs);
        Assert.Equal("echo literal $X\n", literal.Content);
        Assert.False(literal.Expand);
    }

    [Fact]
    public void An_unknown_instruction_names_the_file_and_line()
    {
        var e = Assert.Throws<ContainerfileException>(() => Parser.Parse("FROM busybox\n\nRUN true\n# c\n\n\nCOPPY a b\n"));
        Assert.Equal("Containerfile:7: unknown instruction COPPY", e.Message);
    }

    [Fact]
    public void Words_expand_variables_and_remove_quotes()
    {
        Func<string, string?> env = n => n switch { "A" => "1", "EMPTY" => "", _ => null };
        Assert.Equal(["1", "x 1", "$A", "d", "alt", ""], Words.Split("$A \"x ${A}\" '$A' ${NOPE:-d} ${A:+alt} ${EMPTY}", env));
        Assert.Equal("/srv/1", Words.Expand("/srv/$A", env));
        Assert.Equal("a$A", Words.Expand("a\\$A", env));
    }

    [Fact]
    public void Env_and_label_pairs_in_both_forms()
    {
        Func<string, string?> none = _ => null;
        Assert.Equal([new("A", "1"), new("B", "two words")], Words.Pairs("A=1 B=\"two words\"", none, "ENV"));
        Assert.Equal([new KeyValuePair<string, string>("A", "legacy value")], Words.Pairs("A legacy value", none, "ENV"));
        Assert.Equal([new KeyValuePair<string, string>("NAME", "\0")], Words.Pairs("NAME", none, "ARG"));
    }
}
