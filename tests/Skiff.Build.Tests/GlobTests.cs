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
