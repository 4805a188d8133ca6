using System.Security.Cryptography;
using System.Text;

namespace Baton.Redis.Scripts;

/// <summary>
/// A script's text and its SHA-1, computed once: calls send <c>EVALSHA</c> with the hash, and only a server that
/// does not know it yet (a restart flushed its script cache) gets the text.
/// </summary>
internal sealed class ServerScript
{
    public ServerScript(string text)
    {
        Text = text;
#pragma warning disable CA5350 // SHA-1 is how Redis names scripts (EVALSHA), not a security measure.
        Sha = SHA1.HashData(Encoding.UTF8.GetBytes(text));
#pragma warning restore CA5350
    }

    public string Text { get; }

    public byte[] Sha { get; }
}
