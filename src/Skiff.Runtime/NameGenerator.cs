namespace Skiff.Runtime;

/// <summary>Docker-style "adjective_name" container names.</summary>
public static class NameGenerator
{
    private static readonly string[] s_left =
    [
        "admiring", "agitated", "amazing", "angry", "awesome", "blissful", "bold", "brave", "busy", "charming", "clever",
        "cool", "compassionate", "confident", "cranky", "dazzling", "determined", "eager", "ecstatic", "elastic",
        "elegant", "epic", "exciting", "fervent", "focused", "friendly", "funny", "gallant", "gifted", "goofy",
        "gracious", "happy", "hardcore", "hopeful", "hungry", "infallible", "inspiring", "jolly", "jovial", "keen",
        "kind", "laughing", "loving", "lucid", "magical", "modest", "musing", "mystifying", "naughty", "nervous",
        "nice", "nifty", "nostalgic", "objective", "optimistic", "peaceful", "pedantic", "pensive", "practical",
        "priceless", "quirky", "quizzical", "relaxed", "reverent", "romantic", "sad", "serene", "sharp", "silly",
        "sleepy", "stoic", "strange", "stupefied", "suspicious", "sweet", "tender", "thirsty", "trusting", "upbeat",
        "vibrant", "vigilant", "vigorous", "wizardly", "wonderful", "xenodochial", "youthful", "zealous", "zen",
    ];

    private static readonly string[] s_right =
    [
        "albattani", "allen", "archimedes", "babbage", "banach", "bardeen", "bell", "bhabha", "blackwell", "bohr",
        "booth", "borg", "bose", "boyd", "brahmagupta", "brattain", "brown", "cannon", "carson", "cerf", "chandrasekhar",
        "clarke", "curie", "darwin", "davinci", "dijkstra", "dirac", "einstein", "elion", "engelbart", "euclid",
        "euler", "faraday", "fermat", "fermi", "feynman", "franklin", "galileo", "gates", "goldberg", "goodall",
        "hamilton", "hawking", "heisenberg", "hermann", "hodgkin", "hoover", "hopper", "hypatia", "jackson", "jennings",
        "johnson", "kalam", "kepler", "khorana", "knuth", "kowalevski", "lamarr", "lamport", "leakey", "lovelace",
        "lumiere", "mayer", "mccarthy", "mcclintock", "meitner", "mendel", "merkle", "mirzakhani", "morse", "napier",
        "newton", "nobel", "noether", "pare", "pascal", "pasteur", "payne", "perlman", "pike", "poincare", "ptolemy",
        "raman", "ramanujan", "ride", "ritchie", "rosalind", "sammet", "shannon", "shockley", "sinoussi", "stallman",
        "swartz", "tesla", "thompson", "torvalds", "turing", "villani", "wescoff", "wiles", "williams", "wilson",
        "wozniak", "wright", "yalow", "yonath",
    ];

    public static string Generate(Func<string, bool> taken)
    {
        for (int attempt = 0; ; attempt++)
        {
            string name = $"{s_left[Random.Shared.Next(s_left.Length)]}_{s_right[Random.Shared.Next(s_right.Length)]}";
            if (attempt > 10)
            {
                name += Random.Shared.Next(1000).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            if (!taken(name))
            {
                return name;
            }
        }
    }
}
