using Skiff.Cli.Framework;

namespace Skiff.Cli.Tests;

public class FaceTests
{
    private static async Task<(int Code, string Out, string Err)> Run(string invokedAs, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = await Cli.RunAsync(invokedAs, args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData("podman", new string[0], FaceKind.Podman, "podman")]
    [InlineData("buildah", new string[0], FaceKind.Buildah, "buildah")]
    [InlineData("skopeo", new string[0], FaceKind.Skopeo, "skopeo")]
    [InlineData("skiff", new string[0], FaceKind.Podman, "skiff")]
    [InlineData("skiff", new[] { "buildah" }, FaceKind.Buildah, "skiff buildah")]
    [InlineData("skiff", new[] { "skopeo" }, FaceKind.Skopeo, "skiff skopeo")]
    [InlineData("skiff-dev", new string[0], FaceKind.Podman, "skiff")]
    [InlineData("podman", new[] { "buildah" }, FaceKind.Podman, "podman")]
    public void Link_name_selects_the_face(string invokedAs, string[] args, FaceKind kind, string program)
    {
        (FaceKind k, string name, IReadOnlyList<string> rest) = Cli.Select(invokedAs, args);
        Assert.Equal(kind, k);
        Assert.Equal(program, name);
        Assert.Equal(program.StartsWith("skiff ", StringComparison.Ordinal) ? args.Length - 1 : args.Length, rest.Count);
    }

    [Theory]
    [InlineData("podman", "--version", "podman version 0.1.0\n")]
    [InlineData("podman", "-v", "podman version 0.1.0\n")]
    [InlineData("skiff", "--version", "skiff version 0.1.0\n")]
    [InlineData("skopeo", "--version", "skopeo version 0.1.0\n")]
    [InlineData("buildah", "--version", "buildah version 0.1.0 (image-spec 1.1.0, runtime-spec 1.0.2)\n")]
    public async Task Version_flag_names_the_face_as_invoked(string invokedAs, string flag, string expected)
    {
        (int code, string output, string error) = await Run(invokedAs, flag);
        Assert.Equal(0, code);
        Assert.Equal(expected, output);
        Assert.Equal("", error);
    }

    [Fact]
    public async Task Skiff_buildah_version_flag_names_the_sub_face()
    {
        (int code, string output, _) = await Run("skiff", "buildah", "--version");
        Assert.Equal(0, code);
        Assert.StartsWith("skiff buildah version 0.1.0", output);
    }

    [Fact]
    public async Task Skiff_lists_the_sub_faces_and_reaches_them_after_global_options()
    {
        (int code, string output, _) = await Run("skiff", "--help");
        Assert.Equal(0, code);
        Assert.Contains("\n  buildah     Run a Buildah command\n", output);
        Assert.Contains("\n  skopeo      Run a Skopeo command\n", output);
        (code, output, _) = await Run("skiff", "--log-level=debug", "buildah", "version", "--json");
        Assert.Equal(0, code);
        Assert.StartsWith("{\n    \"version\": \"0.1.0\"", output);
        (code, output, _) = await Run("podman", "--help");
        Assert.DoesNotContain("buildah", output);
    }

    [Fact]
    public async Task Version_verb_prints_podman_layout()
    {
        (int code, string output, _) = await Run("podman", "version");
        Assert.Equal(0, code);
        string[] lines = output.Split('\n');
        Assert.Equal("Client:        Skiff Engine", lines[0]);
        Assert.Equal("Version:       0.1.0", lines[1]);
        Assert.Equal("API Version:   0.1.0", lines[2]);
        Assert.StartsWith(".NET Version:  .NET ", lines[3]);
        Assert.Equal("Built:         Thu Jan  1 00:00:00 1970", lines[4]);
        Assert.Matches("^OS/Arch:       linux/[a-z0-9]+$", lines[5]);
    }

    [Fact]
    public async Task Version_formats_with_a_template()
    {
        (int code, string output, _) = await Run("podman", "version", "--format", "{{.Client.Version}}");
        Assert.Equal(0, code);
        Assert.Equal("0.1.0\n", output);
        (_, output, _) = await Run("podman", "version", "-f={{.Client.Os}}/{{.Client.APIVersion}}");
        Assert.Equal("linux/0.1.0\n", output);
    }

    [Fact]
    public async Task Version_json_is_one_compact_line_like_podman()
    {
        (int code, string output, _) = await Run("podman", "version", "--format", "json");
        Assert.Equal(0, code);
        Assert.StartsWith("{\"Client\":{\"APIVersion\":\"0.1.0\",\"Version\":\"0.1.0\",\"GoVersion\":\".NET ", output);
        Assert.EndsWith("\"Built\":0,\"OsArch\":\"linux/amd64\",\"Os\":\"linux\"}}\n", output.Replace("arm64", "amd64", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Version_template_error_is_go_shaped()
    {
        (int code, _, string error) = await Run("podman", "version", "--format", "{{.Client.Nope}}");
        Assert.Equal(125, code);
        Assert.Equal("Error: template: version:1:2: executing \"version\" at <.Client.Nope>: can't evaluate field Nope in type map[string]interface {}\n", error);
    }

    [Fact]
    public async Task Buildah_version_uses_buildah_layout()
    {
        (int code, string output, _) = await Run("buildah", "version");
        Assert.Equal(0, code);
        Assert.StartsWith("Version:         0.1.0\n", output);
        Assert.Contains("\nImage Spec:      1.1.0\n", output);
        (_, output, _) = await Run("skiff", "buildah", "version", "--json");
        Assert.StartsWith("{\n    \"version\": \"0.1.0\",\n", output);
    }
}
