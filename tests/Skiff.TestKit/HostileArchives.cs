namespace Skiff.TestKit;

/// <summary>What extracting a hostile archive must do.</summary>
public enum HostileExpectation
{
    /// <summary>Extraction fails with MalformedArchiveException whose message names <see cref="HostileArchive.Entry"/>.</summary>
    Rejected,

    /// <summary>Extraction succeeds and everything lands inside the root (see <see cref="HostileArchive.InsideRoot"/>).</summary>
    ContainedInRoot,
}

/// <summary>
/// One hostile-tar case: <paramref name="Entry"/> is the entry name a rejection message must contain (or null when
/// no single entry is to blame), <paramref name="InsideRoot"/> lists paths (relative to the root) that must exist
/// after a contained extraction, with the content expected in a regular file (null: just exists).
/// </summary>
public sealed record HostileArchive(
    string Name,
    byte[] Bytes,
    HostileExpectation Expectation,
    string? Entry = null,
    IReadOnlyDictionary<string, string?>? InsideRoot = null)
{
    public override string ToString() => Name;
}

/// <summary>
/// A corpus of malicious and broken layer tars (after umoci's and containers/storage's). Extract each into a
/// root next to a sibling "outside" directory: nothing may ever appear outside the root. The climbing names
/// are relative to the root, so "../outside/x" targets the sibling.
/// </summary>
public static class HostileArchives
{
    public static IEnumerable<HostileArchive> All()
    {
        yield return new("climbing-name",
            new TarBuilder().File("../outside/pwned", "x").Build(),
            HostileExpectation.Rejected, "../outside/pwned");

        yield return new("deep-climbing-name",
            new TarBuilder().File("a/b/../../../../etc/passwd", "x").Build(),
            HostileExpectation.Rejected, "a/b/../../../../etc/passwd");

        yield return new("absolute-name",
            new TarBuilder().File("/etc/x", "abs").Build(),
            HostileExpectation.ContainedInRoot, InsideRoot: new Dictionary<string, string?> { ["etc/x"] = "abs" });

        yield return new("symlink-to-slash-then-write-through",
            new TarBuilder().Symlink("escape", "/").File("escape/outside/pwned", "in").Build(),
            HostileExpectation.ContainedInRoot, InsideRoot: new Dictionary<string, string?> { ["outside/pwned"] = "in" });

        yield return new("symlink-climbing-then-write-through",
            new TarBuilder().Symlink("up", "../..").File("up/outside/pwned", "in").Build(),
            HostileExpectation.ContainedInRoot, InsideRoot: new Dictionary<string, string?> { ["outside/pwned"] = "in" });

        yield return new("symlink-to-outside-dir-then-write-through",
            new TarBuilder().Directory("d").Directory("outside").Symlink("d/link", "../../outside").File("d/link/pwned", "in").Build(),
            HostileExpectation.ContainedInRoot, InsideRoot: new Dictionary<string, string?> { ["outside/pwned"] = "in" });

        yield return new("hardlink-climbing",
            new TarBuilder().HardLink("link", "../../outside/secret").Build(),
            HostileExpectation.Rejected, "link");

        yield return new("hardlink-absolute-resolves-in-root",
            new TarBuilder().Directory("etc").File("etc/passwd", "root-in-layer").HardLink("stolen", "/etc/passwd").Build(),
            HostileExpectation.ContainedInRoot, InsideRoot: new Dictionary<string, string?> { ["stolen"] = "root-in-layer" });

        yield return new("hardlink-through-symlink-to-slash",
            new TarBuilder().Symlink("s", "/").File("f", "inner").HardLink("h", "s/f").Build(),
            HostileExpectation.ContainedInRoot, InsideRoot: new Dictionary<string, string?> { ["h"] = "inner" });

        yield return new("whiteout-climbing",
            new TarBuilder().File(".wh...", "").Build(),
            HostileExpectation.Rejected, ".wh...");

        yield return new("whiteout-in-climbing-dir",
            new TarBuilder().File("../outside/.wh.secret", "").Build(),
            HostileExpectation.Rejected, "../outside/.wh.secret");

        yield return new("symlink-loop",
            new TarBuilder().Symlink("loop", "loop").File("loop/file", "x").Build(),
            HostileExpectation.Rejected, "loop/file");

        yield return new("symlink-loop-pair",
            new TarBuilder().Symlink("a", "b").Symlink("b", "a").File("a/file", "x").Build(),
            HostileExpectation.Rejected, "a/file");

        string deep = string.Join('/', Enumerable.Repeat("d", 3000)) + "/file";
        yield return new("absurd-depth",
            new TarBuilder().File(deep, "x").Build(),
            HostileExpectation.Rejected, "d/d/d/d");

        byte[] truncated = new TarBuilder().File("big", new byte[4096]).Build();
        yield return new("truncated-in-content", truncated[..(512 + 1000)], HostileExpectation.Rejected, "big");

        yield return new("truncated-in-header", truncated[..200], HostileExpectation.Rejected);

        byte[] gz = TarBuilder.Gzip(new TarBuilder().File("a", new byte[10000]).Build());
        byte[] corruptGz = (byte[])gz.Clone();
        for (int i = 20; i < corruptGz.Length - 8; i += 7)
        {
            corruptGz[i] ^= 0x5a;
        }
        yield return new("corrupt-gzip", corruptGz, HostileExpectation.Rejected);

        yield return new("truncated-gzip", gz[..(gz.Length / 2)], HostileExpectation.Rejected);

        byte[] zst = TarBuilder.Zstd(new TarBuilder().File("a", new byte[10000]).Build());
        byte[] corruptZst = (byte[])zst.Clone();
        for (int i = 8; i < corruptZst.Length; i += 3)
        {
            corruptZst[i] ^= 0xa5;
        }
        yield return new("corrupt-zstd", corruptZst, HostileExpectation.Rejected);

        byte[] garbage = new byte[4096];
        new Random(42).NextBytes(garbage);
        garbage[0] = 0x42;
        yield return new("garbage-bytes", garbage, HostileExpectation.Rejected);

        yield return new("short-garbage", "this is not a tar archive"u8.ToArray(), HostileExpectation.Rejected);

        yield return new("dangling-symlink-then-write-through",
            new TarBuilder().Symlink("dangling", "../../outside/newdir").File("dangling/pwned", "x").Build(),
            HostileExpectation.Rejected, "dangling/pwned");

        byte[] badChecksum = new TarBuilder().File("ok", "x").Build();
        badChecksum[150] ^= 0x01;
        yield return new("bad-header-checksum", badChecksum, HostileExpectation.Rejected);
    }
}
