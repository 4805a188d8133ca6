using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;

namespace Baton.Dashboard.Endpoints;

/// <summary>The page's files, embedded in the assembly (no files to deploy, no CDN: it works offline).</summary>
internal static class Assets
{
    private static readonly FrozenDictionary<string, (byte[] Content, string ContentType)> Files = new Dictionary<string, (byte[], string)>
    {
        ["index.html"] = (Read("index.html"), "text/html; charset=utf-8"),
        ["dashboard.css"] = (Read("dashboard.css"), "text/css; charset=utf-8"),
        ["dashboard.js"] = (Read("dashboard.js"), "text/javascript; charset=utf-8"),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Answers with the file of that name.</summary>
    /// <param name="context">The request.</param>
    /// <param name="name">index.html, dashboard.css or dashboard.js.</param>
    public static Task ServeAsync(HttpContext context, string name)
    {
        var (content, contentType) = Files[name];
        ResponseHeaders.Apply(context.Response);
        context.Response.ContentType = contentType;
        context.Response.ContentLength = content.Length;
        return HttpMethods.IsHead(context.Request.Method)
            ? Task.CompletedTask
            : context.Response.Body.WriteAsync(content, context.RequestAborted).AsTask();
    }

    private static byte[] Read(string name)
    {
        using var stream = typeof(Assets).Assembly.GetManifestResourceStream("Baton.Dashboard.Assets." + name)
            ?? throw new InvalidOperationException($"The dashboard's {name} is missing from the assembly's resources.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
