using System.Text;

namespace Baton.Hostile.Tests.Support;

/// <summary>Strings shown in failure messages with every non-printable or non-ASCII character escaped, so a failing name can be copied back.</summary>
internal static class Show
{
    public static string Name(string text)
    {
        var shown = new StringBuilder(text.Length + 2).Append('"');
        foreach (var c in text.Length > 200 ? text[..200] : text)
        {
            _ = c is >= ' ' and <= '~' and not '"' and not '\\' ? shown.Append(c) : shown.Append($"\\u{(int)c:X4}");
        }

        if (text.Length > 200)
        {
            shown.Append($"…({text.Length} chars)");
        }

        return shown.Append('"').ToString();
    }
}
