using Skiff.Cli.Framework;
using Skiff.Image;

namespace Skiff.Cli.Tests;

public class ErrorMappingTests
{
    [Fact]
    public async Task Engine_error_prints_one_line_and_exits_125()
    {
        var face = new TestFace(body: _ => throw new ImageNotFoundException("alpine: image not known"));
        Assert.Equal(125, await face.RunAsync("fail"));
        Assert.Equal("Error: alpine: image not known\n", face.Err.ToString());
    }

    [Fact]
    public async Task Unexpected_exception_is_an_engine_error_without_a_stack_trace()
    {
        var face = new TestFace(body: _ => throw new InvalidOperationException("boom"));
        Assert.Equal(125, await face.RunAsync("fail"));
        Assert.Equal("Error: boom\n", face.Err.ToString());
    }

    [Theory]
    [InlineData(126, "runc: permission denied", "Error: runc: permission denied\n")]
    [InlineData(127, "sh: executable file not found", "Error: sh: executable file not found\n")]
    [InlineData(42, null, "")]
    public async Task Exit_code_exception_sets_the_exit_code(int code, string? message, string expected)
    {
        var face = new TestFace(body: _ => throw new ExitCodeException(code, message));
        Assert.Equal(code, await face.RunAsync("fail"));
        Assert.Equal(expected, face.Err.ToString());
    }

    [Fact]
    public async Task Handler_exit_code_is_returned()
    {
        var face = new TestFace();
        Assert.Equal(3, await face.RunAsync("fail"));
        Assert.Equal("", face.Err.ToString());
    }

    [Fact]
    public async Task Group_without_subcommand_prints_help_and_fails()
    {
        var face = new TestFace();
        Assert.Equal(125, await face.RunAsync("image"));
        Assert.Equal("Error: missing command 'podman image COMMAND'\n", face.Err.ToString());
        Assert.Contains("run", face.Out.ToString());
    }

    [Fact]
    public async Task Bare_root_prints_help_and_fails()
    {
        var face = new TestFace();
        Assert.Equal(125, await face.RunAsync());
        Assert.Equal("Error: missing command 'podman COMMAND'\n", face.Err.ToString());
    }

    [Fact]
    public async Task Unsupported_log_level_is_refused()
    {
        var face = new TestFace();
        Assert.Equal(1, await face.RunAsync("--log-level=bogus", "images"));
        Assert.Equal("Log Level \"bogus\" is not supported, choose from: trace, debug, info, warn, warning, error, fatal, panic\n", face.Err.ToString());
        Assert.Empty(face.Calls);
    }

    [Fact]
    public async Task Cancellation_reads_as_context_canceled()
    {
        var face = new TestFace(body: ct => throw new OperationCanceledException());
        Assert.Equal(125, await face.RunAsync("fail"));
        Assert.Equal("Error: context canceled\n", face.Err.ToString());
    }

    [Fact]
    public void Go_quote_escapes_like_strconv()
    {
        Assert.Equal("\"a \\\"b\\\"\\n\\tc\\\\\"", ErrorReporter.GoQuote("a \"b\"\n\tc\\"));
    }
}
