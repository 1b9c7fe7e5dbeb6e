using Skiff.Cli.Framework;

namespace Skiff.Cli.Tests;

public class ParsingTests
{
    [Fact]
    public async Task Combined_short_flags_set_each_flag()
    {
        var face = new TestFace();
        int rc = await face.RunAsync("run", "-it", "alpine", "sh");
        Assert.Equal(0, rc);
        Assert.True(face.Parsed!.GetValue(face.Interactive));
        Assert.True(face.Parsed.GetValue(face.Tty));
        Assert.Equal("alpine", face.Parsed.GetValue(face.Image));
        Assert.Equal(["sh"], face.Parsed.GetValue(face.CommandArgs)!);
    }

    [Fact]
    public async Task Short_flag_bundle_may_end_with_a_value_option()
    {
        var face = new TestFace();
        await face.RunAsync("run", "-itu", "root", "alpine");
        Assert.Equal("root", face.Parsed!.GetValue(face.User));
        await face.RunAsync("run", "-iuroot", "alpine");
        Assert.Equal("root", face.Parsed!.GetValue(face.User));
        Assert.True(face.Parsed.GetValue(face.Interactive));
    }

    [Fact]
    public async Task Values_attach_with_equals_or_follow_as_next_argument()
    {
        var face = new TestFace();
        await face.RunAsync("run", "--name=web", "-e", "A=1", "--env=B=2=3", "-eC=x:y", "alpine");
        Assert.Equal("web", face.Parsed!.GetValue(face.Name));
        Assert.Equal(["A=1", "B=2=3", "C=x:y"], face.Parsed.GetValue(face.Env)!);
    }

    [Fact]
    public async Task Bool_flag_takes_value_only_after_equals()
    {
        var face = new TestFace();
        await face.RunAsync("run", "--tls-verify=false", "--rm", "alpine", "true");
        Assert.False(face.Parsed!.GetValue(face.TlsVerify));
        Assert.True(face.Parsed.GetValue(face.Rm));
        Assert.Equal("alpine", face.Parsed.GetValue(face.Image));
        Assert.Equal(["true"], face.Parsed.GetValue(face.CommandArgs)!);
    }

    [Fact]
    public async Task Bool_flag_does_not_swallow_a_following_true_or_false()
    {
        var face = new TestFace();
        await face.RunAsync("run", "--rm", "false");
        Assert.True(face.Parsed!.GetValue(face.Rm));
        Assert.Equal("false", face.Parsed.GetValue(face.Image));
    }

    [Fact]
    public async Task Option_with_implicit_value_reads_a_value_only_after_equals()
    {
        var face = new TestFace();
        await face.RunAsync("run", "--pull", "alpine");
        Assert.Equal("always", face.Parsed!.GetValue(face.Pull));
        Assert.Equal("alpine", face.Parsed.GetValue(face.Image));
        await face.RunAsync("run", "--pull=never", "alpine");
        Assert.Equal("never", face.Parsed!.GetValue(face.Pull));
    }

    [Fact]
    public async Task Flags_after_the_image_belong_to_the_container_command()
    {
        var face = new TestFace();
        await face.RunAsync("run", "--rm", "alpine", "ls", "-l", "--rm", "--", "-e", "x");
        Assert.Equal(["ls", "-l", "--rm", "--", "-e", "x"], face.Parsed!.GetValue(face.CommandArgs)!);
        Assert.Empty(face.Parsed.GetValue(face.Env) ?? []);
    }

    [Fact]
    public async Task Response_files_and_directives_are_plain_words()
    {
        var face = new TestFace();
        Assert.Equal(0, await face.RunAsync("run", "@alpine", "[diagram]", "@x"));
        Assert.Equal("@alpine", face.Parsed!.GetValue(face.Image));
        Assert.Equal(["[diagram]", "@x"], face.Parsed.GetValue(face.CommandArgs)!);
        Assert.Equal(0, await face.RunAsync("images", "/h"));
        Assert.Equal("/h", face.Parsed!.GetValue<string?>("IMAGE"));
        Assert.Equal(125, await face.RunAsync("[diagram]", "images"));
        Assert.StartsWith("Error: unrecognized command `podman [diagram]`", face.Err.ToString());
    }

    [Fact]
    public async Task Double_dash_before_the_image_ends_flags()
    {
        var face = new TestFace();
        await face.RunAsync("run", "-i", "--", "alpine", "-x");
        Assert.Equal("alpine", face.Parsed!.GetValue(face.Image));
        Assert.Equal(["-x"], face.Parsed.GetValue(face.CommandArgs)!);
    }

    [Fact]
    public async Task Separator_after_container_is_dropped_when_the_verb_asks()
    {
        var face = new TestFace();
        await face.RunAsync("image", "run", "-u", "0", "ctr", "--", "sh", "-c", "echo --");
        Assert.Equal("ctr", face.Parsed!.GetValue(face.Image));
        Assert.Equal(["sh", "-c", "echo --"], face.Parsed.GetValue(face.CommandArgs)!);
    }

    [Fact]
    public async Task Repeated_options_accumulate_and_interleave_with_positionals()
    {
        var face = new TestFace();
        int rc = await face.RunAsync("images", "--filter", "dangling=true", "alpine", "-f=label=a");
        Assert.Equal(0, rc);
        Assert.Equal(["images:dangling=true,label=a"], face.Calls);
    }

    [Fact]
    public async Task Global_options_are_accepted_after_the_verb()
    {
        var face = new TestFace();
        int rc = await face.RunAsync("images", "--root", "/tmp/x", "--log-level=debug");
        Assert.Equal(0, rc);
        GlobalSettings settings = face.Face.Context.Settings(face.Parsed!);
        Assert.Equal("/tmp/x", settings.Root);
        Assert.Equal("debug", settings.LogLevel);
    }

    [Fact]
    public async Task A_global_option_value_ending_in_the_program_name_is_read_as_a_value()
    {
        var face = new TestFace();
        string root = "/var/tmp/bench/" + face.Face.Root.Name;
        int rc = await face.RunAsync("--root", root, "images");
        Assert.True(rc == 0, face.Err.ToString());
        Assert.Equal(root, face.Face.Context.Settings(face.Parsed!).Root);
    }

    [Theory]
    [InlineData(new[] { "images", "--x" }, "Error: unknown flag: --x\nSee 'podman images --help'\n")]
    [InlineData(new[] { "images", "-z" }, "Error: unknown shorthand flag: 'z' in -z\nSee 'podman images --help'\n")]
    [InlineData(new[] { "images", "--filter" }, "Error: flag needs an argument: --filter\nSee 'podman images --help'\n")]
    [InlineData(new[] { "run", "--rm=foo", "x" }, "Error: invalid argument \"foo\" for \"--rm\" flag: strconv.ParseBool: parsing \"foo\": invalid syntax\nSee 'podman run --help'\n")]
    [InlineData(new[] { "--root" }, "Error: flag needs an argument: --root\nSee 'podman --help'\n")]
    [InlineData(new[] { "foo" }, "Error: unrecognized command `podman foo`\nTry 'podman --help' for more information\n")]
    [InlineData(new[] { "image", "foo" }, "Error: unrecognized command `podman image foo`\nTry 'podman image --help' for more information\n")]
    [InlineData(new[] { "images", "a", "b" }, "Error: accepts at most 1 arg(s), received 2\n")]
    [InlineData(new[] { "fail", "x" }, "Error: `podman fail` takes no arguments\n")]
    public async Task Usage_errors_print_podman_lines_and_exit_125(string[] args, string expected)
    {
        var face = new TestFace();
        int rc = await face.RunAsync(args);
        Assert.Equal(125, rc);
        Assert.Equal(expected, face.Err.ToString());
        Assert.Empty(face.Calls);
    }

    [Fact]
    public async Task Missing_positional_is_reported_like_cobra()
    {
        var face = new TestFace();
        Assert.Equal(125, await face.RunAsync("run", "--rm"));
        Assert.Equal("Error: requires at least 1 arg(s), only received 0\n", face.Err.ToString());
    }

    [Fact]
    public async Task Buildah_face_reports_unknown_command_its_way()
    {
        var face = new TestFace(FaceKind.Buildah, "buildah");
        int rc = await face.RunAsync("foo");
        Assert.Equal(125, rc);
        Assert.Equal("Error: unknown command \"foo\" for \"buildah\"\n", face.Err.ToString());
    }

    [Fact]
    public async Task Skopeo_face_logs_fatal_and_exits_1()
    {
        var face = new TestFace(FaceKind.Skopeo, "skopeo");
        int rc = await face.RunAsync("images", "--zz");
        Assert.Equal(1, rc);
        Assert.Matches("^time=\"[^\"]+\" level=fatal msg=\"unknown flag: --zz\"\n$", face.Err.ToString());
    }

    [Theory]
    [InlineData("true", true, true)]
    [InlineData("T", true, true)]
    [InlineData("0", true, false)]
    [InlineData("FALSE", true, false)]
    [InlineData("yes", false, false)]
    public void Go_bool_parsing_matches_strconv(string text, bool ok, bool value)
    {
        Assert.Equal(ok, ArgvNormalizer.TryParseGoBool(text, out bool parsed));
        Assert.Equal(value, parsed);
    }
}
