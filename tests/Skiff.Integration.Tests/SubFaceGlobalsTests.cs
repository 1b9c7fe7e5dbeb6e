using Skiff.TestKit;

namespace Skiff.Integration.Tests;

/// <summary>Global options given before <c>buildah</c>/<c>skopeo</c> in <c>skiff --root X buildah ...</c>.</summary>
public class SubFaceGlobalsTests
{
    [SkippableFact]
    public async Task Buildah_and_skopeo_words_inherit_the_store_options_given_before_them()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        using var skiff = new SkiffCli();
        await skiff.OkAsync("import", Fixtures.BusyboxTar, "inherited");

        // SkiffCli puts --root/--runroot/--storage-driver before these words.
        string images = await skiff.OkAsync("buildah", "images", "--format", "{{.Name}}:{{.Tag}} {{.ReadOnly}}");
        Assert.Equal("localhost/inherited:latest false", images.Trim());
        string inspect = await skiff.OkAsync("skopeo", "inspect", "containers-storage:localhost/inherited:latest");
        Assert.Contains("\"Layers\"", inspect);
    }
}
