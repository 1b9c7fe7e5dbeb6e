using System.Text.Json.Nodes;
using Skiff.Cli.Output;

namespace Skiff.Cli.Tests;

public class HelpAndListTests
{
    [Fact]
    public async Task Verb_help_uses_cobra_layout()
    {
        var face = new TestFace();
        Assert.Equal(0, await face.RunAsync("images", "--help"));
        Assert.Equal(
            "Usage:\n  podman images [options] [IMAGE]\n\n" +
            "Options:\n  -f, --filter stringArray   \n\n",
            face.Out.ToString());
    }

    [Fact]
    public async Task Root_help_lists_commands_and_global_options()
    {
        var face = new TestFace();
        Assert.Equal(0, await face.RunAsync("-h"));
        string help = face.Out.ToString();
        Assert.StartsWith("test face\n\nUsage:\n  podman [options] [command]\n\nAvailable Commands:\n  fail        \n  help        Help about any command\n  image       Manage images\n", help);
        Assert.Contains("\n      --root string ", help);
        Assert.Contains("\n  -v, --version ", help);
        Assert.Contains("(default \"warn\")", help);
    }

    [Fact]
    public async Task Help_of_a_nested_verb_names_its_full_path()
    {
        var face = new TestFace();
        Assert.Equal(0, await face.RunAsync("image", "run", "--help"));
        Assert.StartsWith("Usage:\n  podman image run [options] IMAGE [COMMAND [COMMAND...]]", face.Out.ToString());
    }

    [Fact]
    public async Task Help_command_prints_the_named_command_help()
    {
        var face = new TestFace();
        Assert.Equal(0, await face.RunAsync("help", "images"));
        Assert.StartsWith("Usage:\n  podman images [options] [IMAGE]", face.Out.ToString());
        Assert.Equal(125, await face.RunAsync("help", "nope"));
        Assert.StartsWith("Error: unrecognized command `podman nope`", face.Err.ToString());
    }

    private static readonly ListOutputOptions Images = new()
    {
        Name = "images",
        DefaultFormat = @"table {{.Repository}}\t{{.Tag}}\t{{.ID}}",
        Headers = ReportFormatter.Headers(["Repository", "Tag", "ID"], new Dictionary<string, string> { ["ID"] = "IMAGE ID" }),
    };

    private static JsonArray Rows() => [new JsonObject { ["Repository"] = "localhost/bb", ["Tag"] = "latest", ["ID"] = "638dd7fa0adf" }];

    [Fact]
    public void List_default_is_the_table_with_headers()
    {
        var output = new StringWriter();
        ListOutput.Write(output, Images, Rows());
        Assert.Equal("REPOSITORY    TAG         IMAGE ID\nlocalhost/bb  latest      638dd7fa0adf\n", output.ToString());
    }

    [Fact]
    public void List_empty_still_prints_the_header_row()
    {
        var output = new StringWriter();
        ListOutput.Write(output, Images, []);
        Assert.Equal("REPOSITORY  TAG         IMAGE ID\n", output.ToString());
    }

    [Fact]
    public void List_json_and_plain_template_forms()
    {
        var output = new StringWriter();
        ListOutput.Write(output, Images with { Format = "json" }, Rows(), new JsonArray(new JsonObject { ["Id"] = "638d" }));
        Assert.Equal("[\n    {\n        \"Id\": \"638d\"\n    }\n]\n", output.ToString());
        output = new StringWriter();
        ListOutput.Write(output, Images with { Format = "{{.ID}}" }, Rows());
        Assert.Equal("638dd7fa0adf\n", output.ToString());
    }
}
