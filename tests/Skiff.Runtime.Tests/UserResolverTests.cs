using Skiff.Runtime.Spec;

namespace Skiff.Runtime.Tests;

public class UserResolverTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("skiff-users-").FullName;

    public UserResolverTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "etc"));
        File.WriteAllText(Path.Combine(_root, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\nweb:x:33:33:web:/var/www:/bin/false\n");
        File.WriteAllText(Path.Combine(_root, "etc", "group"), "root:x:0:\nweb:x:33:\nextra:x:500:web\n");
    }

    [Fact]
    public void Names_numbers_and_groups_resolve_in_the_container()
    {
        Assert.Equal(new ResolvedUser(0, 0, [], "/root").Uid, UserResolver.Resolve(_root, null).Uid);
        ResolvedUser web = UserResolver.Resolve(_root, "web");
        Assert.Equal((33u, 33u, "/var/www"), (web.Uid, web.Gid, web.Home));
        Assert.Equal([500u], web.AdditionalGids);
        ResolvedUser numeric = UserResolver.Resolve(_root, "1234:extra");
        Assert.Equal((1234u, 500u, "/"), (numeric.Uid, numeric.Gid, numeric.Home));
        Assert.Throws<RuntimeException>(() => UserResolver.Resolve(_root, "nobody-here"));
    }

    [Fact]
    public void A_passwd_symlink_to_the_host_is_read_inside_the_root()
    {
        string etc = Path.Combine(_root, "etc");
        File.Delete(Path.Combine(etc, "passwd"));
        Directory.CreateDirectory(Path.Combine(_root, "real"));
        File.WriteAllText(Path.Combine(_root, "real", "passwd"), "inside:x:77:77::/in:/bin/sh\n");
        File.CreateSymbolicLink(Path.Combine(etc, "passwd"), "/real/passwd");
        Assert.Equal(77u, UserResolver.Resolve(_root, "inside").Uid);
        // "root" exists on the host, but not in this container's passwd any more.
        Assert.Equal(0u, UserResolver.Resolve(_root, "0").Uid);
        Assert.Throws<RuntimeException>(() => UserResolver.Resolve(_root, "root"));
    }

    public void Dispose() => Directory.Delete(_root, true);
}
