import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;

/**
 * Classifies a digit with lenet5 from Java, with nothing but the JDK (run as a source file, no build):
 *
 * <pre>java examples/java/Infer.java http://localhost:8080 data/mnist/png/00007_label7.png examples/infer-lenet5.json</pre>
 *
 * First the image itself ({@code /predictions}: the model's preprocessing, the top 3 classes), then a KServe v2
 * infer request with the tensor as JSON, asking for the top 3 classes ({@code classification}).
 */
public class Infer {

    public static void main(String[] args) throws Exception {
        String url = args[0];
        HttpClient client = HttpClient.newHttpClient();

        HttpRequest image = HttpRequest.newBuilder(URI.create(url + "/predictions/lenet5?top_k=3"))
                .header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofFile(Path.of(args[1])))
                .build();
        print(client.send(image, HttpResponse.BodyHandlers.ofString()));

        HttpRequest infer = HttpRequest.newBuilder(URI.create(url + "/v2/models/lenet5/infer"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofFile(Path.of(args[2])))
                .build();
        print(client.send(infer, HttpResponse.BodyHandlers.ofString()));
    }

    private static void print(HttpResponse<String> response) {
        if (response.statusCode() != 200) {
            throw new IllegalStateException(response.request().uri() + ": " + response.statusCode() + " "
                    + response.body());
        }
        System.out.println(response.body());
    }
}
