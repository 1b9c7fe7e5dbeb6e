using System.Text.Json.Nodes;
using Skiff.Cli.Output;
using Skiff.Cli.Output.Templates;

namespace Skiff.Cli.Tests;

/// <summary>Expected strings are what podman 4.3.1 prints for the same formats over the same two images.</summary>
public class TemplateTests
{
    private static JsonObject Row(string repository, string tag) => new()
    {
        ["Repository"] = repository,
        ["Tag"] = tag,
        ["ID"] = "638dd7fa0adf",
        ["Names"] = new JsonArray("localhost/bb:latest", "localhost/verylongrepositoryname/foo:v1.2.3"),
        ["Labels"] = null,
        ["Size"] = "1.99 MB",
        ["RawSize"] = 1987655,
        ["ReadOnly"] = false,
        ["CreatedSince"] = "13 minutes ago",
    };

    private static JsonArray Rows() => new(Row("localhost/bb", "latest"), Row("localhost/verylongrepositoryname/foo", "v1.2.3"));

    private static readonly JsonObject ImageHeaders = ReportFormatter.Headers(
        ["Repository", "Tag", "ID", "Size", "CreatedSince"],
        new Dictionary<string, string> { ["ID"] = "IMAGE ID", ["CreatedSince"] = "CREATED" });

    private static string Images(string format, bool noHeading = false)
    {
        var output = new StringWriter();
        var formatter = ReportFormatter.ForList("images", format);
        formatter.Render(output, Rows(), ImageHeaders, noHeading);
        return output.ToString();
    }

    private static string One(string format, JsonNode? data)
        => GoTemplate.Parse("t", format).Execute(data);

    [Theory]
    [InlineData("{{range $i, $n := .Names}}{{$i}}={{$n}} {{end}}", "0=localhost/bb:latest 1=localhost/verylongrepositoryname/foo:v1.2.3 \n")]
    [InlineData("{{.Repository | upper}} {{lower \"ABC\"}} {{join .Names \";\"}}", "LOCALHOST/BB abc localhost/bb:latest;localhost/verylongrepositoryname/foo:v1.2.3\n")]
    [InlineData("{{printf \"%-15s|%5d|%q|%v|%x\" .Tag 42 .Tag .Names 255}}", "latest         |   42|\"latest\"|[localhost/bb:latest localhost/verylongrepositoryname/foo:v1.2.3]|ff\n")]
    [InlineData("{{if eq .Tag \"latest\"}}yes{{else if eq .Tag \"x\"}}x{{else}}no{{end}}", "yes\n")]
    [InlineData("{{- \" a \" -}}  b  {{- \" c \"}}", " a b c \n")]
    [InlineData("{{with .Labels}}L{{else}}noL{{end}} {{len .Names}} {{index .Names 1}}", "noL 2 localhost/verylongrepositoryname/foo:v1.2.3\n")]
    [InlineData("{{split \"a,b\" \",\"}} {{title \"hello world\"}} {{truncate \"abcdef\" 3}}|{{pad \"x\" 2 1}}|", "[a b] Hello World abc|  x |\n")]
    [InlineData("{{$x := 5}}{{$x}} {{$x = 7}}{{$x}} {{and 1 0}} {{or 0 \"\" \"z\"}} {{not true}}", "5 7 0 z false\n")]
    [InlineData("{{print 1 2 \"a\" 3}} {{println \"x\" 1}}", "1 2a3 x 1\n\n")]
    [InlineData("{{range .Names}}{{.}}{{break}}{{end}}", "localhost/bb:latest\n")]
    [InlineData("{{/* comment */}}c{{- /* c2 */ -}} d", "cd\n")]
    [InlineData("{{printf \"%5.1f %e %g %s\" 3.14159 1234.5 0.000012 5}}", "  3.1 1.234500e+03 1.2e-05 %!s(int=5)\n")]
    [InlineData("{{.Names | json}}{{\"<&>\" | json}}", "[\"localhost/bb:latest\",\"localhost/verylongrepositoryname/foo:v1.2.3\"]\"<&>\"\n")]
    [InlineData("{{index .Labels \"x\"}}|{{.Labels.x}}|", "<no value>|<no value>|\n")]
    [InlineData("{{.RawSize}} {{.ReadOnly}} {{.Labels}}", "1987655 false <nil>\n")]
    public void Template_features_print_like_podman(string format, string firstRow)
    {
        string output = Images(format);
        Assert.StartsWith(firstRow, output);
        Assert.True(output.Length > firstRow.Length, "the template runs once per row");
    }

    [Fact]
    public void Escapes_become_tab_and_newline_outside_tables()
    {
        Assert.Equal("latest\tlocalhost/bb\nX\nv1.2.3\tlocalhost/verylongrepositoryname/foo\nX\n",
            Images(@"{{ .Tag }}\t{{.Repository}}\nX"));
    }

    [Fact]
    public void Table_prefix_prints_headers_and_aligns()
    {
        Assert.Equal(
            "REPOSITORY                            TAG\n" +
            "localhost/bb                          latest\n" +
            "localhost/verylongrepositoryname/foo  v1.2.3\n",
            Images("table {{.Repository}} {{.Tag}}"));
    }

    [Fact]
    public void Table_spaces_inside_actions_also_split_columns()
    {
        Assert.Equal(
            "REPOSITORY                            x                       TAG\n" +
            "localhost/bb                          x                       latest\n" +
            "localhost/verylongrepositoryname/foo  x                       v1.2.3\n",
            Images("table {{printf \"%s x\" .Repository}}  {{.Tag}}"));
    }

    [Fact]
    public void Table_header_row_runs_the_template_over_titles()
    {
        Assert.Equal(
            "REPOSITORY:TAG                               IMAGE ID\n" +
            "localhost/bb:latest                          638dd7fa0adf\n" +
            "localhost/verylongrepositoryname/foo:v1.2.3  638dd7fa0adf\n",
            Images("table {{.Repository}}:{{.Tag}} {{.ID}}"));
        Assert.Equal(
            "REPOSITORY                            TAG         foo\n" +
            "localhost/bb                          latest      foo\n" +
            "localhost/verylongrepositoryname/foo  v1.2.3      foo\n",
            Images(@"table {{.Repository}}\t{{.Tag}} foo"));
    }

    [Fact]
    public void Table_header_of_unknown_title_is_no_value_and_noheading_drops_it()
    {
        Assert.StartsWith("IMAGE ID      SIZE        <no value>\n", Images(@"table {{.ID}}\t{{.Size}}\t{{.ReadOnly}}"));
        Assert.Equal("localhost/bb\nlocalhost/verylongrepositoryname/foo\n", Images("table {{.Repository}}", noHeading: true));
    }

    [Fact]
    public void Missing_field_error_matches_go()
    {
        var e = Assert.Throws<TemplateException>(() => Images("{{.Foo}}"));
        Assert.Equal("template: images:1:13: executing \"images\" at <.Foo>: can't evaluate field Foo in type map[string]interface {}", e.Message);
        var formatter = ReportFormatter.ForList("images", "{{.Foo}}", typeName: "images.imageReporter");
        e = Assert.Throws<TemplateException>(() => formatter.Render(new StringWriter(), Rows()));
        Assert.EndsWith("can't evaluate field Foo in type images.imageReporter", e.Message);
    }

    [Theory]
    [InlineData("{{index .Names 5}}", "template: images:1:13: executing \"images\" at <index .Names 5>: error calling index: index out of range: 5")]
    [InlineData("{{if}}", "template: images:1: missing value for if")]
    [InlineData("{{nofunc .}}", "template: images:1: function \"nofunc\" not defined")]
    [InlineData("{{.Foo", "template: images:1: bad character U+007B '{'")]
    [InlineData("{{\"unterminated}}", "template: images:1: unterminated quoted string")]
    [InlineData("{{range .Names}}x", "template: images:1: unexpected EOF")]
    [InlineData("{{end}}", "template: images:1: unexpected {{end}}")]
    [InlineData("{{.Tag 1}}", "template: images:1:13: executing \"images\" at <.Tag>: Tag has arguments but cannot be invoked as function")]
    public void Errors_are_go_shaped(string format, string expected)
    {
        var e = Assert.Throws<TemplateException>(() => Images(format));
        Assert.Equal(expected, e.Message);
    }

    [Fact]
    public void Nested_fields_and_variables_resolve()
    {
        JsonNode data = JsonNode.Parse("""{"Client":{"Version":"0.1.0","Nums":[1,2,3]},"Map":{"b":2,"a":1}}""")!;
        Assert.Equal("0.1.0 0.1.0 3", One("{{.Client.Version}} {{$.Client.Version}} {{len .Client.Nums}}", data));
        Assert.Equal("a=1;b=2;", One("{{range $k, $v := .Map}}{{$k}}={{$v}};{{end}}", data));
        Assert.Equal("map[a:1 b:2] [1 2 3]", One("{{.Map}} {{.Client.Nums}}", data));
        Assert.Equal("0.1.0", One("{{with .Client}}{{.Version}}{{end}}", data));
        Assert.Equal("0.1.0", One("{{(.Client).Version}}", data));
        Assert.Equal("{\"Version\":\"0.1.0\",\"Nums\":[1,2,3]}", One("{{json .Client}}", data));
        Assert.Equal("2", One("{{index .Map \"b\"}}", data));
    }

    [Fact]
    public void Range_else_runs_for_empty_lists_and_continue_skips()
    {
        JsonNode data = JsonNode.Parse("""{"Empty":[],"L":[1,2,3,4]}""")!;
        Assert.Equal("none", One("{{range .Empty}}x{{else}}none{{end}}", data));
        Assert.Equal("13", One("{{range .L}}{{if eq . 2 4}}{{continue}}{{end}}{{.}}{{end}}", data));
        Assert.Equal("yes", One("{{if and (gt (len .L) 3) (lt 1 2)}}yes{{end}}", data));
    }

    [Fact]
    public void Strings_keep_escapes_and_raw_strings_do_not()
    {
        Assert.Equal("a\tb|a\\tb", One("{{\"a\\tb\"}}|{{`a\\tb`}}", null));
    }

    [Theory]
    [InlineData("1000000.0", "1e+06")]
    [InlineData("123456.0", "123456")]
    [InlineData("0.5", "0.5")]
    [InlineData("0.00001", "1e-05")]
    [InlineData("3.14", "3.14")]
    [InlineData("1e21", "1e+21")]
    public void Float_constants_print_like_go(string literal, string expected)
        => Assert.Equal(expected, One("{{" + literal + "}}", null));

    [Fact]
    public void Error_on_a_later_line_reports_line_and_column()
    {
        var e = Assert.Throws<TemplateException>(() => Images("a\n{{.Nope}}"));
        Assert.Equal("template: images:2:2: executing \"images\" at <.Nope>: can't evaluate field Nope in type map[string]interface {}", e.Message);
    }

    [Fact]
    public void Camel_case_headers_split_like_podman()
    {
        JsonObject headers = ReportFormatter.Headers(["CreatedAt", "APIVersion", "ID", "RepoTags", "OsArch"], new Dictionary<string, string> { ["ID"] = "image id" });
        Assert.Equal("CREATED AT", (string?)headers["CreatedAt"]);
        Assert.Equal("API VERSION", (string?)headers["APIVersion"]);
        Assert.Equal("IMAGE ID", (string?)headers["ID"]);
        Assert.Equal("REPO TAGS", (string?)headers["RepoTags"]);
        Assert.Equal("OS ARCH", (string?)headers["OsArch"]);
    }

    [Fact]
    public void Json_format_is_recognised_in_any_case()
    {
        Assert.True(ReportFormatter.IsJson("json"));
        Assert.True(ReportFormatter.IsJson("JSON "));
        Assert.True(ReportFormatter.IsJson("{{json .}}"));
        Assert.True(ReportFormatter.IsJson("{{ json }}"));
        Assert.False(ReportFormatter.IsJson("{{json .Names}}"));
        Assert.False(ReportFormatter.IsJson("table json"));
    }
}
