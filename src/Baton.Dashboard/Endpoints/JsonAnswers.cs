using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Baton.Dashboard.Endpoints;

/// <summary>Small JSON answers written by hand (no reflection: the dashboard is trimmed and AOT-compiled).</summary>
internal static class JsonAnswers
{
    /// <summary>Answers <paramref name="status"/> with <c>{"error": message}</c>.</summary>
    public static Task ErrorAsync(HttpContext context, int status, string message) =>
        WriteAsync(context, status, writer => writer.WriteString("error", message));

    /// <summary>Answers with one JSON object whose properties <paramref name="write"/> writes.</summary>
    public static async Task WriteAsync(HttpContext context, int status, Action<Utf8JsonWriter> write)
    {
        ResponseHeaders.Apply(context.Response);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        await context.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Answers 200 with JSON text.</summary>
    public static Task TextAsync(HttpContext context, string json)
    {
        ResponseHeaders.Apply(context.Response);
        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsync(json, Encoding.UTF8, context.RequestAborted);
    }
}
