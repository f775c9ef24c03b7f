package io.convserve.model;

import io.convserve.registry.ModelDefinition;
import io.convserve.registry.ModelDefinitionReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Loads architectures from test and main resources. */
public final class TestArchitectures {

    private TestArchitectures() {
    }

    /** {@code architectures/x.json} from test resources or {@code models/x/model.json} from the bundle. */
    public static ModelDefinition definition(String resource) {
        try (InputStream in = TestArchitectures.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no resource " + resource);
            }
            return new ModelDefinitionReader().read(in.readAllBytes(), resource);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Architecture architecture(String resource) {
        return definition(resource).architecture();
    }
}
