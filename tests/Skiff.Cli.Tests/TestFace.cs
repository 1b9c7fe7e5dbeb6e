using System.CommandLine;
using Skiff.Cli.Framework;

namespace Skiff.Cli.Tests;

/// <summary>A podman-like face with a few verbs whose handlers record what they parsed.</summary>
internal sealed class TestFace
{
    public StringWriter Out { get; } = new();
    public StringWriter Err { get; } = new();
    public List<string> Calls { get; } = [];
    public Face Face { get; }

    public Option<bool> Interactive { get; } = new("--interactive", "-i");
    public Option<bool> Tty { get; } = new("--tty", "-t");
    public Option<bool> Rm { get; } = new("--rm");
    public Option<bool> TlsVerify { get; } = new("--tls-verify") { DefaultValueFactory = _ => true };
    public Option<string[]> Env { get; } = new("--env", "-e");
    public Option<string?> Name { get; } = new("--name");
    public Option<string?> User { get; } = new("--user", "-u");
    public Option<string?> Pull { get; } = new("--pull") { Arity = System.CommandLine.ArgumentArity.ZeroOrOne };
    public Argument<string> Image { get; } = new("IMAGE");
    public Argument<string[]> CommandArgs { get; } = new("COMMAND") { Arity = ArgumentArity.ZeroOrMore };

    public ParseResult? Parsed { get; private set; }

    public TestFace(FaceKind kind = FaceKind.Podman, string programName = "podman", Func<CancellationToken, Task<int>>? body = null)
    {
        var context = new CommandContext(kind, programName, Out, Err);
        Face = Face.Create(context, "test face", [Run, ctx => Images(ctx), Fail(body), Group]);
    }

    public Task<int> RunAsync(params string[] args) => Face.RunAsync(args);

    private Command Run(CommandContext context)
    {
        var run = new VerbCommand("run") { RawAfterPositionals = 1 };
        foreach (Option o in new Option[] { Interactive, Tty, Rm, TlsVerify, Env, Name, User, Pull }) run.Options.Add(o);
        run.ImplicitValues[Pull] = "always";
        run.Arguments.Add(Image);
        run.Arguments.Add(CommandArgs);
        run.SetHandler((parseResult, _) =>
        {
            Parsed = parseResult;
            Calls.Add("run");
            return Task.FromResult(0);
        });
        return run;
    }

    private Command Images(CommandContext context)
    {
        var images = new VerbCommand("images");
        var filter = new Option<string[]>("--filter", "-f");
        images.Options.Add(filter);
        images.Arguments.Add(new Argument<string?>("IMAGE") { Arity = ArgumentArity.ZeroOrOne });
        images.SetHandler((parseResult, _) =>
        {
            Parsed = parseResult;
            Calls.Add("images:" + string.Join(",", parseResult.GetValue(filter) ?? []));
            return Task.FromResult(0);
        });
        return images;
    }

    private static Func<CommandContext, Command> Fail(Func<CancellationToken, Task<int>>? body) => context =>
    {
        var fail = new VerbCommand("fail");
        fail.SetHandler((_, ct) => body is null ? Task.FromResult(3) : body(ct));
        return fail;
    };

    private Command Group(CommandContext context)
    {
        var group = new Command("image", "Manage images");
        var buildahRun = new VerbCommand("run") { RawAfterPositionals = 1, StripSeparator = true };
        buildahRun.Options.Add(User);
        buildahRun.Arguments.Add(Image);
        buildahRun.Arguments.Add(CommandArgs);
        buildahRun.SetHandler((parseResult, _) =>
        {
            Parsed = parseResult;
            Calls.Add("image run");
            return Task.FromResult(0);
        });
        group.Subcommands.Add(buildahRun);
        return group;
    }
}
