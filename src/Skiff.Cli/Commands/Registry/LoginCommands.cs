using System.CommandLine;
using Skiff.Cli.Framework;
using Skiff.Engine.Images;
using Skiff.Image;

namespace Skiff.Cli.Commands.Registry;

/// <summary><c>login</c> and <c>logout</c>, the same on the podman and skopeo faces.</summary>
public static class LoginCommands
{
    public static Command CreateLogin(CommandContext context)
    {
        var command = new VerbCommand("login", "Login to a container registry") { Usage = "[options] [REGISTRY]" };
        var flags = new RegistryFlags(creds: false);
        Option<string?> username = new("--username", "-u") { Description = "Username for registry" };
        Option<string?> password = new("--password", "-p") { Description = "Password for registry" };
        Option<bool> passwordStdin = new("--password-stdin") { Description = "Take the password from stdin" };
        Option<bool> getLogin = new("--get-login") { Description = "Return the current login user for the registry" };
        Option<bool> verbose = new("--verbose", "-v") { Description = "Write more detailed information to stdout" };
        Argument<string?> registry = new("REGISTRY") { Arity = ArgumentArity.ZeroOrOne };
        flags.AddTo(command);
        foreach (Option o in new Option[] { username, password, passwordStdin, getLogin, verbose })
        {
            command.Options.Add(o);
        }
        command.Arguments.Add(registry);
        command.SetHandler(async (parseResult, ct) =>
        {
            string target = parseResult.GetValue(registry) ?? throw new SkiffException("please provide a registry to log in to");
            RegistryAccess access = flags.Read(parseResult);
            if (parseResult.GetValue(getLogin))
            {
                context.Out.WriteLine(ImageEngine.GetLogin(target, access));
                return 0;
            }
            string? pass = parseResult.GetValue(password);
            if (parseResult.GetValue(passwordStdin))
            {
                if (pass is not null)
                {
                    throw new SkiffException("--password and --password-stdin are mutually exclusive");
                }
                if (parseResult.GetValue(username) is null)
                {
                    throw new SkiffException("must provide --username with --password-stdin");
                }
                pass = (await context.In.ReadToEndAsync(ct)).TrimEnd('\n', '\r');
            }
            string? user = parseResult.GetValue(username);
            string key = ImageEngine.NormalizeRegistryKey(target);
            if (user is null && pass is null)
            {
                context.Out.WriteLine($"Authenticating with existing credentials for {key}");
            }
            LoginOutcome outcome = await ImageEngine.LoginAsync(new LoginOptions { Registry = target, Username = user, Password = pass, Access = access }, ct);
            context.Out.WriteLine(outcome == LoginOutcome.AlreadyLoggedIn
                ? $"Existing credentials are valid. Already logged in to {key}"
                : "Login Succeeded!");
            return 0;
        });
        return command;
    }

    public static Command CreateLogout(CommandContext context)
    {
        var command = new VerbCommand("logout", "Logout of a container registry") { Usage = "[options] [REGISTRY]" };
        Option<string?> authFile = new("--authfile") { Description = "path of the authentication file. Use REGISTRY_AUTH_FILE environment variable to override" };
        Option<bool> all = new("--all", "-a") { Description = "Remove the cached credentials for all registries in the auth file" };
        Argument<string?> registry = new("REGISTRY") { Arity = ArgumentArity.ZeroOrOne };
        command.Options.Add(authFile);
        command.Options.Add(all);
        command.Arguments.Add(registry);
        command.SetHandler((parseResult, ct) =>
        {
            var access = new RegistryAccess { AuthFile = parseResult.GetValue(authFile) };
            string? target = parseResult.GetValue(registry);
            if (parseResult.GetValue(all))
            {
                if (target is not null)
                {
                    throw new SkiffException("--all takes no arguments");
                }
                ImageEngine.Logout(null, access);
                context.Out.WriteLine("Removed login credentials for all registries");
                return Task.FromResult(0);
            }
            if (target is null)
            {
                throw new SkiffException("please provide a registry to log out from");
            }
            ImageEngine.Logout(target, access);
            context.Out.WriteLine($"Removed login credentials for {ImageEngine.NormalizeRegistryKey(target)}");
            return Task.FromResult(0);
        });
        return command;
    }
}
