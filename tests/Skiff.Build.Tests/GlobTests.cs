using Skiff.Build.Copy;

namespace Skiff.Build.Tests;

public class GlobTests
{
    [Theory]
    [InlineData("*.txt", "a.txt", true)]
    [InlineData("*.txt", "a.tx", false)]
    [InlineData("?.c", "a.c", true)]
    [InlineData("?.c", "ab.c", false)]
    [InlineData("[ab]x", "bx", true)]
    [InlineData("[!ab]x", "bx", false)]
    [InlineData("[a-c]*", "cat", true)]
    [InlineData("\\*", "*", true)]
    [InlineData("\\*", "a", false)]
    public void Matches_like_the_shell(string pattern, string name, bool expected) => Assert.Equal(expected, Glob.Match(pattern, name));
}

public class IgnoreFileTests
{
    [Fact]
    public void Patterns_match_paths_and_their_parents_with_negation_last_match_wins()
    {
        IgnoreFile ignore = IgnoreFile.Parse("""
            # comment
            *.log
            build/
            **/secret*
            docs
            !docs/keep.md
            """);
        Assert.True(ignore.IsExcluded("a.log"));
        Assert.False(ignore.IsExcluded("sub/a.log"));
        Assert.True(ignore.IsExcluded("build/out/x"));
        Assert.True(ignore.IsExcluded("deep/er/secret.txt"));
        Assert.True(ignore.IsExcluded("secret"));
        Assert.True(ignore.IsExcluded("docs/other.md"));
        Assert.False(ignore.IsExcluded("docs/keep.md"));
        Assert.False(ignore.IsExcluded("src/main.c"));
        Assert.True(ignore.HasNegations);
    }
}
