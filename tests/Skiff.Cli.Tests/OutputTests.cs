using Skiff.Cli.Output;

namespace Skiff.Cli.Tests;

public class OutputTests
{
    [Fact]
    public void Table_matches_podman_images_layout()
    {
        var table = new TableWriter();
        table.WriteRow("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
        table.WriteRow("localhost/bb", "latest", "638dd7fa0adf", "Less than a second ago", "1.99 MB");
        table.WriteRow("localhost/verylongrepositoryname/foo", "v1.2.3", "638dd7fa0adf", "Less than a second ago", "1.99 MB");
        Assert.Equal(
            "REPOSITORY                            TAG         IMAGE ID      CREATED                 SIZE\n" +
            "localhost/bb                          latest      638dd7fa0adf  Less than a second ago  1.99 MB\n" +
            "localhost/verylongrepositoryname/foo  v1.2.3      638dd7fa0adf  Less than a second ago  1.99 MB\n",
            table.ToString());
    }

    [Fact]
    public void Empty_table_pads_headers_to_the_minimum_width()
    {
        Assert.Equal("REPOSITORY  TAG         IMAGE ID    CREATED     SIZE\n",
            TableWriter.Format("REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE\n"));
    }

    [Fact]
    public void Empty_cells_still_take_the_minimum_width()
    {
        // podman: --format 'table {{printf "%s x" .Repository}}  {{.Tag}}'
        Assert.Equal(
            "REPOSITORY    x                       TAG\n" +
            "localhost/bb  x                       latest\n",
            TableWriter.Format("REPOSITORY\tx\t\tTAG\nlocalhost/bb\tx\t\tlatest\n"));
    }

    [Fact]
    public void A_line_without_tabs_ends_the_column_block()
    {
        Assert.Equal("a           b\nlonger-line-here\nxx          y\n",
            TableWriter.Format("a\tb\nlonger-line-here\nxx\ty\n"));
    }

    [Fact]
    public void Width_counts_characters_not_bytes()
    {
        Assert.Equal("héllo-wörld-long  x\nab                y\n", TableWriter.Format("héllo-wörld-long\tx\nab\ty\n"));
    }

    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(999, "999 B")]
    [InlineData(1000, "1 kB")]
    [InlineData(815_000, "815 kB")]
    [InlineData(1_987_655, "1.99 MB")]
    [InlineData(4_857_000, "4.86 MB")]
    [InlineData(1_230_000, "1.23 MB")]
    [InlineData(999_900, "1e+03 kB")]
    [InlineData(72_800_000, "72.8 MB")]
    [InlineData(1_500_000_000, "1.5 GB")]
    [InlineData(5_000_000_000_000, "5 TB")]
    public void Size_matches_go_units(long bytes, string expected) => Assert.Equal(expected, Humanize.Size(bytes));

    [Theory]
    [InlineData(0.5, "Less than a second")]
    [InlineData(1, "1 second")]
    [InlineData(59, "59 seconds")]
    [InlineData(60, "About a minute")]
    [InlineData(119, "About a minute")]
    [InlineData(120, "2 minutes")]
    [InlineData(3599, "59 minutes")]
    [InlineData(3600, "About an hour")]
    [InlineData(5400, "2 hours")]
    [InlineData(47 * 3600, "47 hours")]
    [InlineData(3 * 86400, "3 days")]
    [InlineData(14 * 86400, "2 weeks")]
    [InlineData(61 * 86400, "2 months")]
    [InlineData(800 * 86400, "2 years")]
    public void Duration_matches_go_units(double seconds, string expected)
        => Assert.Equal(expected, Humanize.Duration(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void Since_appends_ago()
    {
        var now = new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);
        Assert.Equal("2 hours ago", Humanize.Since(now.AddHours(-2), now));
        Assert.Equal("Less than a second ago", Humanize.Since(now, now));
    }

    [Fact]
    public void Ansic_pads_the_day_like_go()
    {
        Assert.Equal("Thu Jan  1 00:00:00 1970", Humanize.Ansic(DateTimeOffset.UnixEpoch));
        Assert.Equal("Wed Nov 25 09:35:57 2026", Humanize.Ansic(new DateTimeOffset(2026, 11, 25, 9, 35, 57, TimeSpan.Zero)));
    }

    [Fact]
    public void Json_list_output_escapes_html_like_go_marshal()
    {
        var output = new StringWriter();
        JsonOutput.Write(output, System.Text.Json.Nodes.JsonNode.Parse("{\"a\":\"<&>é\"}"), escapeHtml: true);
        Assert.Equal("{\n    \"a\": \"\\u003c\\u0026\\u003eé\"\n}\n", output.ToString());
    }

    [Fact]
    public void Json_output_indents_four_spaces_and_keeps_html_characters()
    {
        var output = new StringWriter();
        JsonOutput.Write(output, System.Text.Json.Nodes.JsonNode.Parse("[{\"Id\":\"a<b>&\",\"Names\":[\"x\"],\"Labels\":null}]"));
        Assert.Equal("[\n    {\n        \"Id\": \"a<b>&\",\n        \"Names\": [\n            \"x\"\n        ],\n        \"Labels\": null\n    }\n]\n", output.ToString());
        output = new StringWriter();
        JsonOutput.Write(output, new System.Text.Json.Nodes.JsonArray());
        Assert.Equal("[]\n", output.ToString());
    }
}
