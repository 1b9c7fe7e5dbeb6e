using System.Formats.Tar;
using System.Text;
using Skiff.Build;
using Skiff.Build.Copy;
using Skiff.TestKit;

namespace Skiff.Build.Tests;

public class CopierTests
{
    private sealed class Dirs : IDisposable
    {
        private readonly TempDir _dir = new("skiff-build-copy");

        public Dirs()
        {
            Root = _dir.Combine("root");
            Source = _dir.Combine("src");
            Outside = _dir.Combine("outside");
            Directory.CreateDirectory(Root);
            Directory.CreateDirectory(Source);
            Directory.CreateDirectory(Outside);
        }

        public string Root { get; }
        public string Source { get; }
        public string Outside { get; }

        public string Src(string rel, string content)
        {
            string p = Path.Combine(Source, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(p)!);
            File.WriteAllText(p, content);
            return p;
        }

        public void Dispose() => _dir.Dispose();
    }

    [Fact]
    public async Task A_file_goes_into_an_existing_directory_under_its_own_name()
    {
        using var d = new Dirs();
        Directory.CreateDirectory(Path.Combine(d.Root, "etc"));
        await ContainerCopier.CopyAsync(d.Root, new AddCopyRequest { Sources = [d.Src("a.conf", "x")], Destination = "/etc" });
        Assert.Equal("x", File.ReadAllText(Path.Combine(d.Root, "etc/a.conf")));
    }

    [Fact]
    public async Task A_file_to_a_new_path_takes_that_name_and_parents_are_created()
    {
        using var d = new Dirs();
        await ContainerCopier.CopyAsync(d.Root, new AddCopyRequest { Sources = [d.Src("a.conf", "x")], Destination = "/opt/app/b.conf" });
        Assert.Equal("x", File.ReadAllText(Path.Combine(d.Root, "opt/app/b.conf")));
    }

    [Fact]
    public async Task A_directory_copies_its_contents_with_chown_and_chmod()
    {
        using var d = new Dirs();
        d.Src("tree/a.txt", "a");
        d.Src("tree/sub/b.txt", "b");
        File.CreateSymbolicLink(Path.Combine(d.Source, "tree/link"), "/etc/passwd");
        await ContainerCopier.CopyAsync(d.Root, new AddCopyRequest { Sources = [Path.Combine(d.Source, "tree")], Destination = "/dst/", Chown = "12:34", Chmod = "640" });
        string a = Path.Combine(d.Root, "dst/a.txt");
        Assert.Equal("a", File.ReadAllText(a));
        Assert.Equal("b", File.ReadAllText(Path.Combine(d.Root, "dst/sub/b.txt")));
        Assert.Equal("/etc/passwd", new FileInfo(Path.Combine(d.Root, "dst/link")).LinkTarget);
        var st = Skiff.Interop.FileAt.Statx(null, a, Skiff.Interop.FileAt.AT_SYMLINK_NOFOLLOW);
        Assert.Equal((12u, 34u, 0x1A0), (st.Uid, st.Gid, st.Mode & 0xFFF));
    }

    [Fact]
    public async Task Chown_names_resolve_in_the_containers_passwd_and_group()
    {
        using var d = new Dirs();
        Directory.CreateDirectory(Path.Combine(d.Root, "etc"));
        File.WriteAllText(Path.Combine(d.Root, "etc/passwd"), "root:x:0:0::/root:/bin/sh\nsf:x:1001:1002::/home/sf:/bin/sh\n");
        File.WriteAllText(Path.Combine(d.Root, "etc/group"), "root:x:0:\nsf:x:1002:\nweb:x:2000:\n");
        await ContainerCopier.CopyAsync(d.Root, new AddCopyRequest { Sources = [d.Src("f", "x")], Destination = "/f1", Chown = "sf" });
        await ContainerCopier.CopyAsync(d.Root, new AddCopyRequest { Sources = [d.Src("f", "x")], Destination = "/f2", Chown = "sf:web" });
        var st1 = Skiff.Interop.FileAt.Statx(null, Path.Combine(d.Root, "f1"), 0);
        var st2 = Skiff.Interop.FileAt.Statx(null, Path.Combine(d.Root, "f2"), 0);
        Assert.Equal((1001u, 1002u), (st1.Uid, st1.Gid));
        Assert.Equal((1001u, 2000u), (st2.Uid, st2.Gid));
        var e = await Assert.ThrowsAsync<BuildException>(() => ContainerCopier.CopyAsync(d.Root, new AddCopyRequest { Sources = [d.Src("f", "x")], Destination = "/f3", Chown = "nobody" }));
        Assert.Contains("nobody", e.Message);
    }

    [Fact]
    public async Task Globs_copy_every_match_into_the_directory()
    {
        using var d = new Dirs();
        d.Src("a.txt", "a");
        d.Src("b.txt", "b");
        d.Src("c.md", "c");
        await ContainerCopier.CopyAsync(d.Root, new AddCopyRequest { Sources = ["*.txt"], Destination = "/docs", HostDirectory = d.Source });
        Assert.Equal(["a.txt", "b.txt"], Directory.GetFiles(Path.Combine(d.Root, "docs")).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task A_symlink_in_the_root_pointing_to_the_host_resolves_inside_the_root()
    {
        using var d = new Dirs();
        // /etc in the container is a link to an absolute host path; writes must land in ROOT/<that path>.
        File.CreateSymbolicLink(Path.Combine(d.Root, "etc"), d.Outside);
        await ContainerCopier.CopyAsync(d.Root, new AddCopyRequest { Sources = [d.Src("evil", "x")], Destination = "/etc/evil" });
        Assert.Empty(Directory.GetFileSystemEntries(d.Outside));
        Assert.True(File.Exists(Path.Combine(d.Root, d.Outside.TrimStart('/'), "evil")));
    }

    [Fact]
    public async Task Dot_dot_in_the_destination_stays_in_the_root()
    {
        using var d = new Dirs();
        await ContainerCopier.CopyAsync(d.Root, new AddCopyRequest { Sources = [d.Src("f", "x")], Destination = "../../../f" });
        Assert.True(File.Exists(Path.Combine(d.Root, "f")));
        Assert.Empty(Directory.GetFileSystemEntries(d.Outside));
    }

    [Fact]
    public async Task A_context_source_climbing_out_or_linking_out_is_refused()
    {
        using var d = new Dirs();
        File.WriteAllText(Path.Combine(d.Outside, "secret"), "s");
        File.CreateSymbolicLink(Path.Combine(d.Source, "escape"), Path.Combine(d.Outside, "secret"));
        var up = await Assert.ThrowsAsync<BuildException>(() => ContainerCopier.CopyAsync(d.Root, new AddCopyRequest { Sources = ["../outside/secret"], Destination = "/x", ContextDir = d.Source }));
        Assert.Contains("outside the build context", up.Message);
        var link = await Assert.ThrowsAsync<BuildException>(() => ContainerCopier.CopyAsync(d.Root, new AddCopyRequest { Sources = ["escape"], Destination = "/x", ContextDir = d.Source }));
        Assert.Contains("outside the build context", link.Message);
        Assert.False(File.Exists(Path.Combine(d.Root, "x")));
    }

    [Fact]
    public async Task Add_extracts_a_gzipped_tarball_and_copy_does_not()
    {
        using var d = new Dirs();
        byte[] tar = TarBuilder.Gzip(new TarBuilder().Directory("pkg").File("pkg/readme", "hello").Build());
        string archive = Path.Combine(d.Source, "pkg.tar.gz");
        File.WriteAllBytes(archive, tar);
        await ContainerCopier.CopyAsync(d.Root, new AddCopyRequest { Sources = [archive], Destination = "/opt", ExtractArchives = true });
        Assert.Equal("hello", File.ReadAllText(Path.Combine(d.Root, "opt/pkg/readme")));
        await ContainerCopier.CopyAsync(d.Root, new AddCopyRequest { Sources = [archive], Destination = "/raw/" });
        Assert.Equal(tar, File.ReadAllBytes(Path.Combine(d.Root, "raw/pkg.tar.gz")));
    }

    [Fact]
    public async Task Add_refuses_a_tarball_with_dot_dot_entries_and_writes_nothing_outside()
    {
        using var d = new Dirs();
        byte[] tar = new TarBuilder().File("../../outside/pwned", "x").Build();
        string archive = Path.Combine(d.Source, "evil.tar");
        File.WriteAllBytes(archive, tar);
        string dest = Path.Combine(d.Root, "opt");
        var e = await Assert.ThrowsAsync<BuildException>(() => ContainerCopier.CopyAsync(d.Root, new AddCopyRequest { Sources = [archive], Destination = "/opt", ExtractArchives = true }));
        Assert.Contains("evil.tar", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(d.Outside));
    }

    [Fact]
    public async Task A_missing_source_is_named_in_the_error()
    {
        using var d = new Dirs();
        var e = await Assert.ThrowsAsync<BuildException>(() => ContainerCopier.CopyAsync(d.Root, new AddCopyRequest { Sources = ["nope*"], Destination = "/", HostDirectory = d.Source }));
        Assert.Contains("nope*", e.Message);
        Assert.Contains("no such file or directory", e.Message);
    }

    [Fact]
    public async Task Copy_from_another_root_resolves_its_symlinks_inside_that_root()
    {
        using var d = new Dirs();
        string other = Path.Combine(d.Source, "otherroot");
        Directory.CreateDirectory(Path.Combine(other, "data"));
        File.WriteAllText(Path.Combine(other, "data/file"), "inner");
        // An absolute link inside the other root means that root's /data, not the host's.
        File.CreateSymbolicLink(Path.Combine(other, "link"), "/data/file");
        await ContainerCopier.CopyAsync(d.Root, new AddCopyRequest { Sources = ["/link"], Destination = "/got", SourceRoot = other });
        Assert.Equal("inner", File.ReadAllText(Path.Combine(d.Root, "got")));
        _ = Encoding.UTF8;
        _ = TarEntryFormat.Pax;
    }
}

public class CopierIgnoreTests
{
    [Fact]
    public async Task Ignored_context_paths_are_left_out_and_negations_bring_files_back()
    {
        using var dir = new TempDir("skiff-build-ignore");
        string ctx = dir.Combine("ctx");
        string root = dir.Combine("root");
        Directory.CreateDirectory(root);
        foreach (string f in new[] { "app/main.c", "app/debug.log", "app/docs/a.md", "app/docs/keep.md" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(ctx, f))!);
            File.WriteAllText(Path.Combine(ctx, f), f);
        }
        IgnoreFile ignore = IgnoreFile.Parse("**/*.log\napp/docs\n!app/docs/keep.md\n");
        await ContainerCopier.CopyAsync(root, new AddCopyRequest { Sources = ["app"], Destination = "/app", ContextDir = ctx, Ignore = ignore });
        string[] copied = Directory.GetFiles(Path.Combine(root, "app"), "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(root, p)).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["app/docs/keep.md", "app/main.c"], copied);
    }
}
