using System.Text;
using Skiff.Build;
using Skiff.Build.Containers;
using Skiff.Image;

namespace Skiff.Build.Tests;

public class ConfigEditorTests
{
    private static BuilderState State(ContainerConfig? config = null) => new()
    {
        Config = Encoding.UTF8.GetString(new ImageConfig { Architecture = "amd64", Os = "linux", Config = config }.ToJson()),
    };

    private static ImageConfig Config(BuilderState s) => ImageConfig.Parse(Encoding.UTF8.GetBytes(s.Config));

    [Fact]
    public void Cmd_as_words_and_as_json_array()
    {
        Assert.Equal(["/sbin/init"], Config(ConfigEditor.Apply(State(), new ConfigEdit { Cmd = "/sbin/init" })).Config!.Cmd);
        Assert.Equal(["sh", "-c", "echo a b"], Config(ConfigEdit(new ConfigEdit { Cmd = "sh -c 'echo a b'" })).Config!.Cmd);
        Assert.Equal(["a", "b c"], Config(ConfigEdit(new ConfigEdit { Cmd = "[\"a\",\"b c\"]" })).Config!.Cmd);
    }

    private static BuilderState ConfigEdit(ConfigEdit edit) => ConfigEditor.Apply(State(), edit);

    [Fact]
    public void Entrypoint_in_shell_form_runs_under_sh_c_and_empty_clears_it()
    {
        BuilderState s = ConfigEdit(new ConfigEdit { Entrypoint = "/bin/env -i" });
        Assert.Equal(["/bin/sh", "-c", "/bin/env -i"], Config(s).Config!.Entrypoint);
        Assert.Null(Config(ConfigEditor.Apply(s, new ConfigEdit { Entrypoint = "" })).Config!.Entrypoint);
    }

    [Fact]
    public void Ports_are_kept_as_given_and_repeated_options_accumulate()
    {
        BuilderState s = ConfigEdit(new ConfigEdit { Ports = ["80", "443", "29418"] });
        s = ConfigEditor.Apply(s, new ConfigEdit { Ports = ["53/udp", "443-"] });
        Assert.Equal(["29418", "53/udp", "80"], Config(s).Config!.ExposedPorts!.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Env_replaces_by_name_removes_with_a_trailing_dash_and_takes_host_values_for_bare_names()
    {
        BuilderState s = ConfigEditor.Apply(State(new ContainerConfig { Env = ["PATH=/bin", "A=1"] }), new ConfigEdit
        {
            Env = ["A=2", "B=3", "PATH-", "HOSTVAR"],
            HostEnvironment = n => n == "HOSTVAR" ? "from-host" : null,
        });
        Assert.Equal(["A=2", "B=3", "HOSTVAR=from-host"], Config(s).Config!.Env);
    }

    [Fact]
    public void Author_created_by_labels_annotations_and_docker_only_fields_are_kept()
    {
        BuilderState s = ConfigEdit(new ConfigEdit
        {
            Author = "release@softwarefactory-project.io",
            CreatedBy = "Software Factory",
            Labels = ["a=1", "b"],
            Annotations = ["org.example=x"],
            Shell = "/bin/bash -c",
            OnBuild = ["RUN true"],
            StopSignal = "term",
            WorkingDir = "/srv",
            User = "nobody",
            Volumes = ["/data"],
            HistoryComment = "made here",
        });
        ImageConfig c = Config(s);
        Assert.Equal("release@softwarefactory-project.io", c.Author);
        Assert.Equal("Software Factory", s.ImageCreatedBy);
        Assert.Equal("1", c.Config!.Labels!["a"]);
        Assert.Equal("", c.Config.Labels["b"]);
        Assert.Equal("x", s.ImageAnnotations["org.example"]);
        Assert.Equal(["/bin/bash", "-c"], s.Shell);
        Assert.Equal(["RUN true"], s.OnBuild);
        Assert.Equal("SIGTERM", c.Config.StopSignal);
        Assert.Equal("/srv", c.Config.WorkingDir);
        Assert.Equal("nobody", c.Config.User);
        Assert.True(c.Config.Volumes!.ContainsKey("/data"));
        Assert.Equal("made here", s.HistoryComment);
    }

    [Fact]
    public void A_json_cmd_with_non_strings_is_refused_naming_the_option()
    {
        var e = Assert.Throws<BuildException>(() => ConfigEdit(new ConfigEdit { Cmd = "[1,2]" }));
        Assert.Contains("--cmd", e.Message);
    }

    [Theory]
    [InlineData("a b  c", new[] { "a", "b", "c" })]
    [InlineData("'a b' \"c d\" e\\ f", new[] { "a b", "c d", "e f" })]
    [InlineData("\"say \\\"hi\\\"\"", new[] { "say \"hi\"" })]
    public void Shell_words_split_like_a_shell(string line, string[] expected) => Assert.Equal(expected, ShellWords.Split(line));

    [Fact]
    public void Container_names_take_the_last_path_component_without_tag()
    {
        Assert.Equal("busybox", WorkingContainers.NamePrefix("docker.io/library/busybox:latest"));
        Assert.Equal("centos", WorkingContainers.NamePrefix("centos:latest"));
        Assert.Equal("img", WorkingContainers.NamePrefix("quay.io/org/img@sha256:abc"));
    }
}

public class HealthcheckTests
{
    [Fact]
    public void Healthcheck_options_build_dockers_healthcheck_object()
    {
        BuilderState s = ConfigEditor.Apply(new BuilderState(), new ConfigEdit { Healthcheck = "curl -f http://localhost/", HealthcheckInterval = "1m30s", HealthcheckRetries = 3 });
        s = ConfigEditor.Apply(s, new ConfigEdit { HealthcheckTimeout = "500ms" });
        System.Text.Json.JsonElement h = s.Healthcheck!.Value;
        Assert.Equal(["CMD-SHELL", "curl -f http://localhost/"], h.GetProperty("Test").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(90_000_000_000, h.GetProperty("Interval").GetInt64());
        Assert.Equal(500_000_000, h.GetProperty("Timeout").GetInt64());
        Assert.Equal(3, h.GetProperty("Retries").GetInt32());
        Assert.Throws<BuildException>(() => ConfigEditor.Apply(s, new ConfigEdit { HealthcheckInterval = "soon" }));
    }
}
