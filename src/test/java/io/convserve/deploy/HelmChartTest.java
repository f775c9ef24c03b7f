package io.convserve.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Helm chart: strict lint with default and each non-default values file, template with them, and every rendered
 * manifest read strictly into fabric8's Kubernetes model classes (unknown fields and wrong types rejected) plus the
 * required fields and cross-references a real API server and kubelet would insist on (fabric8's classes mark no
 * field required and carry no JSON schemas, so these are written out per kind). Also the KServe manifests.
 */
class HelmChartTest {

    private static final Path CHART = Docker.repoRoot().resolve("helm/convserve");
    private static final Path VALUES = Docker.repoRoot().resolve("src/test/resources/helm");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    /** Strict: unknown properties, scalars of the wrong type and nulls for primitives all fail. */
    private static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .build();
    private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
            "v1/ConfigMap", ConfigMap.class,
            "v1/ServiceAccount", io.fabric8.kubernetes.api.model.ServiceAccount.class,
            "v1/Pod", io.fabric8.kubernetes.api.model.Pod.class,
            "networking.k8s.io/v1/Ingress", io.fabric8.kubernetes.api.model.networking.v1.Ingress.class,
            "v1/Service", Service.class,
            "v1/PersistentVolumeClaim", PersistentVolumeClaim.class,
            "apps/v1/Deployment", Deployment.class,
            "autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class,
            "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class);
    private static final Set<String> ACCESS_MODES = Set.of("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany",
            "ReadWriteOncePod");
    /** The blocks of an autoscaling/v2 MetricSpec, by its type. */
    private static final Map<String, java.util.function.Function<MetricSpec, Object>> METRIC_SOURCES = Map.of(
            "Resource", MetricSpec::getResource, "Pods", MetricSpec::getPods, "Object", MetricSpec::getObject,
            "External", MetricSpec::getExternal, "ContainerResource", MetricSpec::getContainerResource);
    /** KServe's ServingRuntime protocolVersions (the protocol version constants of serving.kserve.io). */
    private static final Set<String> KSERVE_PROTOCOLS = Set.of("v1", "v2", "grpc-v1", "grpc-v2");

    @Test
    void lintsStrictlyClean() {
        LintResult result = new Helm(CHART).lint().strict().call();
        assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
    }

    /**
     * {@code helm lint --strict -f file} for each non-default values file: helm-java's lint takes no values, so the
     * chart is copied with the file merged over its values.yaml (maps deeply, anything else replaced, as Helm does).
     */
    @ParameterizedTest
    @MethodSource("valuesFiles")
    void lintsStrictlyCleanWithValuesFile(String valuesFile, @TempDir Path dir) throws Exception {
        Path chart = chartWithValues(VALUES.resolve(valuesFile), dir.resolve("convserve"));
        LintResult result = new Helm(chart).lint().strict().call();
        assertThat(result.isFailed()).as(valuesFile + ":\n" + String.join("\n", result.getMessages())).isFalse();
    }

    @Test
    void lintWithAValuesFileFailsWhereHelmWould(@TempDir Path dir) throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.yaml"), "replicaCount: two\n");
        LintResult result = new Helm(chartWithValues(bad, dir.resolve("convserve"))).lint().strict().call();
        assertThat(result.isFailed()).as("lint of replicaCount: two").isTrue();
        assertThat(String.join("\n", result.getMessages())).contains("replicaCount");
    }

    static Stream<String> valuesFiles() throws IOException {
        try (Stream<Path> files = Files.list(VALUES)) {
            List<String> names = files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".yaml")).sorted().toList();
            assertThat(names).as("values files in " + VALUES).isNotEmpty();
            return names.stream();
        }
    }

    @Test
    void grpcProbesAndServicePort() throws Exception {
        Map<String, JsonNode> docs = render("grpc-probes.yaml");
        Container c = read(docs.get("Deployment"), Deployment.class).getSpec().getTemplate().getSpec().getContainers()
                .get(0);
        assertThat(c.getReadinessProbe().getGrpc().getPort()).isEqualTo(8081);
        assertThat(c.getReadinessProbe().getGrpc().getService()).isEqualTo("inference.GRPCInferenceService");
        assertThat(c.getLivenessProbe().getGrpc().getPort()).isEqualTo(8081);
        assertThat(c.getStartupProbe().getHttpGet()).isNull();
        Service service = read(docs.get("Service"), Service.class);
        assertThat(service.getSpec().getPorts()).anySatisfy(p -> {
            assertThat(p.getName()).isEqualTo("grpc");
            assertThat(p.getPort()).isEqualTo(9000);
            assertThat(p.getTargetPort().getStrVal()).isEqualTo("grpc");
        });
        assertThat(read(docs.get("ConfigMap"), ConfigMap.class).getData().get("application.yaml"))
                .contains("grpc:", "port: 8081");
    }

    @Test
    void defaultValuesRenderValidManifests() throws Exception {
        Map<String, JsonNode> docs = render(null);
        assertThat(docs.keySet()).containsExactlyInAnyOrder("ConfigMap", "Service", "Deployment",
                "HorizontalPodAutoscaler", "PodDisruptionBudget", "ServiceAccount");
        Deployment deployment = read(docs.get("Deployment"), Deployment.class);
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        assertThat(deployment.getSpec().getReplicas()).as("the HPA owns replicas").isNull();
        assertThat(pod.getInitContainers()).isEmpty();
        Container c = pod.getContainers().get(0);
        assertThat(c.getImage()).isEqualTo("convserve:0.1.0");
        assertThat(c.getVolumeMounts()).extracting(VolumeMount::getMountPath).containsExactlyInAnyOrder("/tmp", "/config");
        HorizontalPodAutoscaler hpa = read(docs.get("HorizontalPodAutoscaler"), HorizontalPodAutoscaler.class);
        assertThat(hpa.getSpec().getMetrics()).hasSize(1);
        assertThat(hpa.getSpec().getMetrics().get(0).getResource().getName()).isEqualTo("cpu");
    }

    @Test
    void pvcQueueTimeAndServiceMonitorValues() throws Exception {
        Map<String, JsonNode> docs = render("pvc-queue-time-servicemonitor.yaml");
        assertThat(docs).containsKeys("PersistentVolumeClaim", "ServiceMonitor");
        PersistentVolumeClaim pvc = read(docs.get("PersistentVolumeClaim"), PersistentVolumeClaim.class);
        PodSpec pod = read(docs.get("Deployment"), Deployment.class).getSpec().getTemplate().getSpec();
        Volume models = volume(pod, "models");
        assertThat(models.getPersistentVolumeClaim().getClaimName()).isEqualTo(pvc.getMetadata().getName());
        assertThat(pvc.getSpec().getStorageClassName()).isEqualTo("fast");
        assertThat(pvc.getSpec().getResources().getRequests().get("storage").toString()).isEqualTo("2Gi");
        HorizontalPodAutoscaler hpa = read(docs.get("HorizontalPodAutoscaler"), HorizontalPodAutoscaler.class);
        assertThat(hpa.getSpec().getMetrics()).hasSize(2);
        assertThat(hpa.getSpec().getMetrics().get(1).getPods().getMetric().getName())
                .isEqualTo("convserve_queue_time_per_request_us");
        assertThat(read(docs.get("PodDisruptionBudget"), PodDisruptionBudget.class).getSpec().getMinAvailable()
                .getStrVal()).isEqualTo("50%");
        assertThat(read(docs.get("ConfigMap"), ConfigMap.class).getData()).containsKeys("application.yaml", "extra.yaml");
    }

    @Test
    void initContainerValues() throws Exception {
        Map<String, JsonNode> docs = render("init-container-no-hpa.yaml");
        assertThat(docs).doesNotContainKeys("HorizontalPodAutoscaler", "PodDisruptionBudget", "PersistentVolumeClaim");
        Deployment deployment = read(docs.get("Deployment"), Deployment.class);
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        assertThat(deployment.getSpec().getReplicas()).isEqualTo(3);
        assertThat(pod.getInitContainers()).singleElement().satisfies(init -> {
            assertThat(init.getImage()).isEqualTo("registry.example.com/convserve-models:2026-11");
            assertThat(init.getVolumeMounts()).extracting(VolumeMount::getName).contains("models");
        });
        assertThat(volume(pod, "models").getEmptyDir()).isNotNull();
        assertThat(pod.getContainers().get(0).getImage()).isEqualTo("registry.example.com/convserve:0.1.0-rc1");
        assertThat(read(docs.get("Service"), Service.class).getSpec().getPorts().get(0).getPort()).isEqualTo(80);
    }

    @Test
    void existingClaimIsUsedAndNotCreated() throws Exception {
        Map<String, JsonNode> docs = render("existing-claim.yaml");
        assertThat(docs).doesNotContainKey("PersistentVolumeClaim");
        PodSpec pod = read(docs.get("Deployment"), Deployment.class).getSpec().getTemplate().getSpec();
        assertThat(volume(pod, "models").getPersistentVolumeClaim().getClaimName()).isEqualTo("shared-models");
    }

    /** One replica with minAvailable 1 would block every node drain: then there is no PodDisruptionBudget. */
    @ParameterizedTest(name = "autoscaling {0}, replicaCount {1}, autoscalingMinReplicas {2}: PDB {3}")
    @CsvSource({"false, 1, 2, false", "false, 2, 2, true", "true, 1, 1, false", "true, 1, 2, true", "true, 3, 3, true"})
    void podDisruptionBudgetOnlyWithTwoReplicasOrMore(boolean autoscaling, int replicas, int minReplicas, boolean pdb)
            throws Exception {
        Map<String, JsonNode> docs = render(null, Map.of("autoscalingEnabled", String.valueOf(autoscaling),
                "replicaCount", String.valueOf(replicas), "autoscalingMinReplicas", String.valueOf(minReplicas),
                "autoscalingMaxReplicas", "10"));
        assertThat(docs.containsKey("PodDisruptionBudget")).isEqualTo(pdb);
        if (pdb) {
            assertThat(read(docs.get("PodDisruptionBudget"), PodDisruptionBudget.class).getSpec().getMinAvailable()
                    .getIntVal()).isEqualTo(1);
        }
    }

    @Test
    void podDisruptionBudgetRefusesMinAvailableOfAllReplicas() {
        assertThatThrownBy(() -> new Helm(CHART).template().withName("t").set("pdbMinAvailable", "2").call())
                .hasMessageContaining("pdbMinAvailable 2 must be below the 2 replicas (autoscalingMinReplicas)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"servicePort=http", "replicaCount=two", "modelSource=s3", "autoscalingEnabled=maybe",
            "memoryLimit=lots", "unknownValue=1", "runAsUser=0", "probeProtocol=tcp", "grpcServicePort=0",
            "managementServicePort=0", "image.pullPolicy=Sometimes", "image.registry=x", "ingress.hosts[0].paths[0].pathType=Any",
            "helmTest.inputShape[0]=0", "serviceAccount.create=yes"})
    void valuesSchemaRejectsWrongValues(String assignment) {
        String[] kv = assignment.split("=", 2);
        assertThatThrownBy(() -> new Helm(CHART).template().withName("t").set(kv[0], kv[1]).call())
                .as(assignment).hasMessageContaining("schema");
    }

    @Test
    void ingressServiceAccountAndNameOverrides() throws Exception {
        Map<String, JsonNode> docs = render(null, Map.of("ingress.enabled", "true", "ingress.className", "nginx",
                "ingress.hosts[0].host", "models.example.com", "ingress.hosts[0].paths[0].path", "/v2",
                "ingress.hosts[0].paths[0].pathType", "Prefix", "ingress.tls[0].secretName", "models-tls",
                "ingress.tls[0].hosts[0]", "models.example.com", "fullnameOverride", "models", "nameOverride", "cnn",
                "serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn", "arn:aws:iam::1:role/models"));
        for (JsonNode doc : docs.values()) {
            String name = doc.path("metadata").path("name").asText();
            assertThat(name).as(doc.path("kind").asText()).startsWith("models");
            assertThat(doc.path("metadata").path("labels").path("app.kubernetes.io/name").asText()).isEqualTo("cnn");
        }
        var ingress = read(docs.get("Ingress"), io.fabric8.kubernetes.api.model.networking.v1.Ingress.class);
        assertThat(ingress.getSpec().getIngressClassName()).isEqualTo("nginx");
        assertThat(ingress.getSpec().getRules().get(0).getHost()).isEqualTo("models.example.com");
        assertThat(ingress.getSpec().getTls().get(0).getSecretName()).isEqualTo("models-tls");
        assertThat(docs.get("ServiceAccount").path("metadata").path("annotations").path("eks.amazonaws.com/role-arn")
                .asText()).isEqualTo("arn:aws:iam::1:role/models");

        Map<String, JsonNode> existing = render(null, Map.of("serviceAccount.create", "false",
                "serviceAccount.name", "shared-runner"));
        assertThat(existing).doesNotContainKeys("ServiceAccount", "Ingress");
        assertThat(read(existing.get("Deployment"), Deployment.class).getSpec().getTemplate().getSpec()
                .getServiceAccountName()).isEqualTo("shared-runner");
    }

    /**
     * {@code helm test}'s Pod: embedded Helm renders no hooks, so it is rendered from a copy of the chart whose test
     * template has its hook annotations taken off, and checked with the release's other documents.
     */
    @Test
    void helmTestSendsAV2InferOfTheConfiguredShape(@TempDir Path dir) throws Exception {
        Path copy = chartWithValues(CHART.resolve("values.yaml"), dir.resolve("convserve"));
        Path test = copy.resolve("templates/tests/test-infer.yaml");
        String hook = "  annotations:\n    helm.sh/hook: test\n"
                + "    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded\n";
        String template = Files.readString(test);
        assertThat(template).as("a helm test hook").contains(hook);
        Files.writeString(test, template.replace(hook, ""));
        String rendered = new Helm(copy).template().withName("demo").set("helmTest.model", "alexnet")
                .set("helmTest.inputShape[0]", "1").set("helmTest.inputShape[1]", "3")
                .set("helmTest.inputShape[2]", "227").set("helmTest.inputShape[3]", "227").call();
        JsonNode pod = null;
        for (String doc : rendered.split("(?m)^---\\s*$")) {
            JsonNode node = YAML.readTree(doc);
            if (node != null && "Pod".equals(node.path("kind").asText())) {
                pod = node;
            }
        }
        assertThat(pod).as("the test Pod").isNotNull();
        Container infer = read(pod, io.fabric8.kubernetes.api.model.Pod.class).getSpec().getContainers().get(0);
        String script = infer.getArgs().get(0);
        assertThat(infer.getImage()).isEqualTo("convserve:0.1.0");
        assertThat(infer.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(script).contains("POST /v2/models/alexnet/infer HTTP/1.1", "$(seq 2 154587)",
                "\"shape\":[1,3,227,227]", "grep -q ' 200 '", "/dev/tcp/demo-convserve/8080");
    }

    @Test
    void initContainerSourceNeedsAnImage() {
        assertThatThrownBy(() -> new Helm(CHART).template().withName("t").set("modelSource", "initContainer").call())
                .hasMessageContaining("modelInitImage");
    }

    @Test
    void kserveServingRuntimeAndInferenceService() throws Exception {
        Path dir = Docker.repoRoot().resolve("deploy/kserve");
        JsonNode runtime = YAML.readTree(Files.readString(dir.resolve("servingruntime.yaml")));
        assertThat(runtime.path("apiVersion").asText()).isEqualTo("serving.kserve.io/v1alpha1");
        assertThat(runtime.path("kind").asText()).isEqualTo("ServingRuntime");
        assertThat(runtime.path("metadata").path("name").asText()).isEqualTo("convserve");
        checkServingRuntime(runtime);
        JsonNode spec = runtime.path("spec");
        assertThat(spec.path("protocolVersions").toString()).isEqualTo("[\"v2\",\"grpc-v2\"]");
        assertThat(spec.path("supportedModelFormats").get(0).path("name").asText()).isEqualTo("convserve");
        assertThat(fieldNames(spec)).isSubsetOf(Set.of("annotations", "supportedModelFormats", "protocolVersions",
                "multiModel", "containers", "volumes", "disabled", "grpcEndpoint", "grpcDataEndpoint",
                "builtInAdapter", "storageHelper", "replicas", "nodeSelector", "affinity", "tolerations",
                "imagePullSecrets", "labels", "workerSpec", "hostIPC"));
        // the containers and volumes are core Kubernetes types: strict
        Container container = read(spec.path("containers").get(0), Container.class);
        assertThat(container.getName()).isEqualTo("kserve-container");
        assertThat(container.getArgs()).contains("--inference.repository=/mnt/models");
        assertThat(container.getPorts().get(0).getContainerPort()).isEqualTo(8080);
        assertThat(container.getArgs()).contains("--inference.grpc.port=8081");
        assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
        List<Volume> volumes = new ArrayList<>();
        for (JsonNode v : spec.path("volumes")) {
            volumes.add(read(v, Volume.class));
        }
        assertMountsResolve(container, volumes);

        JsonNode isvc = YAML.readTree(Files.readString(dir.resolve("inferenceservice.yaml")));
        assertThat(isvc.path("apiVersion").asText()).isEqualTo("serving.kserve.io/v1beta1");
        assertThat(isvc.path("kind").asText()).isEqualTo("InferenceService");
        JsonNode model = isvc.path("spec").path("predictor").path("model");
        assertThat(model.path("runtime").asText()).isEqualTo("convserve");
        assertThat(model.path("protocolVersion").asText()).isEqualTo("v2");
        assertThat(model.path("modelFormat").path("name").asText()).isEqualTo("convserve");
        assertThat(model.path("storageUri").asText()).isNotBlank();
    }

    // ---------------------------------------------------------------------------------------------------------

    private Map<String, JsonNode> render(String valuesFile) throws Exception {
        return render(valuesFile, Map.of());
    }

    /** Renders the chart, validates every document and the references between them; returns them by kind. */
    private Map<String, JsonNode> render(String valuesFile, Map<String, String> set) throws Exception {
        var template = new Helm(CHART).template().withName("demo").withNamespace("ml");
        if (valuesFile != null) {
            template = template.withValuesFile(VALUES.resolve(valuesFile));
        }
        for (Map.Entry<String, String> e : set.entrySet()) {
            template = template.set(e.getKey(), e.getValue());
        }
        String rendered = template.call();
        Map<String, JsonNode> byKind = new LinkedHashMap<>();
        for (String doc : rendered.split("(?m)^---\\s*$")) {
            JsonNode node = YAML.readTree(doc);
            if (node == null || node.isNull() || node.isEmpty()) {
                continue;
            }
            String kind = node.path("kind").asText();
            assertThat(byKind.put(kind, node)).as("one " + kind).isNull();
            assertThat(node.path("metadata").path("name").asText()).as(kind + " name").matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
            if ("ServiceMonitor".equals(kind)) {
                continue; // a CRD: checked structurally below
            }
            Class<? extends HasMetadata> type = KINDS.get(node.path("apiVersion").asText() + "/" + kind);
            assertThat(type).as("known apiVersion/kind " + node.path("apiVersion") + " " + kind).isNotNull();
            read(node, type);
        }
        checkReferences(byKind);
        return byKind;
    }

    /** Strict read, then no field may have landed in any additionalProperties map. */
    private static <T> T read(JsonNode node, Class<T> type) throws Exception {
        T value = STRICT.treeToValue(node, type);
        List<String> unknown = new ArrayList<>();
        collectAdditional(value, type.getSimpleName(), unknown, new IdentityHashMap<>());
        assertThat(unknown).as("fields unknown to Kubernetes' " + type.getSimpleName()).isEmpty();
        return value;
    }

    private static void collectAdditional(Object value, String path, List<String> unknown, Map<Object, Boolean> seen)
            throws Exception {
        if (value == null || seen.put(value, Boolean.TRUE) != null) {
            return;
        }
        if (value instanceof Collection<?> list) {
            int i = 0;
            for (Object item : list) {
                collectAdditional(item, path + "[" + i++ + "]", unknown, seen);
            }
            return;
        }
        if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                collectAdditional(e.getValue(), path + "." + e.getKey(), unknown, seen);
            }
            return;
        }
        if (!value.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method m : value.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || !m.getName().startsWith("get")
                    || m.getDeclaringClass() == Object.class) {
                continue;
            }
            Object child = m.invoke(value);
            if (m.getName().equals("getAdditionalProperties")) {
                if (child instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    unknown.add(path + ": " + extra.keySet());
                }
                continue;
            }
            collectAdditional(child, path + "." + m.getName().substring(3), unknown, seen);
        }
    }

    /** What the API server's required fields and the kubelet need, and that the objects point at each other. */
    private static void checkReferences(Map<String, JsonNode> docs) throws Exception {
        Deployment deployment = read(docs.get("Deployment"), Deployment.class);
        Service service = read(docs.get("Service"), Service.class);
        ConfigMap config = read(docs.get("ConfigMap"), ConfigMap.class);
        Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
        Map<String, String> selector = deployment.getSpec().getSelector().getMatchLabels();
        assertThat(selector).isNotEmpty();
        assertThat(podLabels).containsAllEntriesOf(selector);
        assertThat(podLabels).containsAllEntriesOf(service.getSpec().getSelector());

        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).isPositive();
        List<Container> all = new ArrayList<>(pod.getContainers());
        all.addAll(pod.getInitContainers());
        for (Container c : all) {
            assertThat(c.getName()).as("container name").isNotBlank();
            assertThat(c.getImage()).as(c.getName() + " image").isNotBlank();
            assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
            assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
            assertThat(c.getSecurityContext().getCapabilities().getDrop()).contains("ALL");
            assertMountsResolve(c, pod.getVolumes());
        }
        Container main = pod.getContainers().get(0);
        Set<String> portNames = main.getPorts().stream().map(p -> p.getName()).collect(Collectors.toSet());
        Set<Integer> portNumbers = main.getPorts().stream().map(p -> p.getContainerPort()).collect(Collectors.toSet());
        assertThat(portNumbers).containsExactlyInAnyOrder(8080, 8081, 8082);
        assertProbe(main.getStartupProbe(), "/actuator/health/liveness", portNames);
        assertProbe(main.getLivenessProbe(), "/actuator/health/liveness", portNames);
        assertProbe(main.getReadinessProbe(), "/actuator/health/readiness", portNames);
        if (main.getReadinessProbe().getGrpc() != null) {
            assertThat(main.getReadinessProbe().getGrpc().getService()).isEqualTo("inference.GRPCInferenceService");
            assertThat(main.getLivenessProbe().getGrpc().getService()).as("the server as a whole").isNull();
        }
        assertThat(main.getResources().getLimits()).containsKeys("cpu", "memory");
        assertThat(main.getResources().getRequests()).containsKeys("cpu", "memory");
        service.getSpec().getPorts().forEach(p -> {
            assertThat(p.getPort()).isPositive();
            assertThat(portNames).contains(p.getTargetPort().getStrVal());
        });
        assertThat(volume(pod, "config").getConfigMap().getName()).isEqualTo(config.getMetadata().getName());
        assertThat(volume(pod, "tmp").getEmptyDir()).isNotNull();

        checkConfigMap(config);
        if (docs.containsKey("ServiceAccount")) {
            assertThat(pod.getServiceAccountName()).isEqualTo(docs.get("ServiceAccount").path("metadata").path("name")
                    .asText());
        }
        if (docs.containsKey("Ingress")) {
            var ingress = read(docs.get("Ingress"), io.fabric8.kubernetes.api.model.networking.v1.Ingress.class);
            ingress.getSpec().getRules().forEach(rule -> rule.getHttp().getPaths().forEach(path -> {
                assertThat(path.getBackend().getService().getName()).isEqualTo(service.getMetadata().getName());
                assertThat(service.getSpec().getPorts()).extracting(p -> p.getName())
                        .contains(path.getBackend().getService().getPort().getName());
            }));
        }
        if (docs.containsKey("PersistentVolumeClaim")) {
            checkPersistentVolumeClaim(read(docs.get("PersistentVolumeClaim"), PersistentVolumeClaim.class));
        }
        if (docs.containsKey("HorizontalPodAutoscaler")) {
            HorizontalPodAutoscaler hpa = read(docs.get("HorizontalPodAutoscaler"), HorizontalPodAutoscaler.class);
            checkHorizontalPodAutoscaler(hpa);
            assertThat(hpa.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
            assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo(deployment.getMetadata().getName());
        }
        if (docs.containsKey("PodDisruptionBudget")) {
            PodDisruptionBudget pdb = read(docs.get("PodDisruptionBudget"), PodDisruptionBudget.class);
            checkPodDisruptionBudget(pdb);
            assertThat(podLabels).containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
        }
        if (docs.containsKey("ServiceMonitor")) {
            JsonNode monitor = docs.get("ServiceMonitor");
            checkServiceMonitor(monitor);
            assertThat(monitor.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
            assertThat(fieldNames(monitor)).containsExactlyInAnyOrder("apiVersion", "kind", "metadata", "spec");
            assertThat(fieldNames(monitor.path("spec"))).containsExactlyInAnyOrder("selector", "endpoints");
            Map<String, String> matchLabels = YAML.convertValue(monitor.path("spec").path("selector").path("matchLabels"),
                    YAML.getTypeFactory().constructMapType(Map.class, String.class, String.class));
            assertThat(service.getMetadata().getLabels()).containsAllEntriesOf(matchLabels);
            JsonNode endpoint = monitor.path("spec").path("endpoints").get(0);
            assertThat(fieldNames(endpoint)).isSubsetOf(Set.of("port", "path", "interval", "scrapeTimeout", "scheme"));
            assertThat(endpoint.path("path").asText()).isEqualTo("/actuator/prometheus");
            assertThat(endpoint.path("port").asText()).as("metrics are on the management port").isEqualTo("management");
            assertThat(service.getSpec().getPorts()).extracting(p -> p.getName()).contains(endpoint.path("port").asText());
        }
    }

    /** The checks below catch what they claim: each broken document is refused, naming the field. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "PodDisruptionBudget|{spec: {minAvailable: 1, maxUnavailable: 1, selector: {matchLabels: {a: b}}}}|exactly one of",
        "PodDisruptionBudget|{spec: {minAvailable: 1}}|selector",
        "PersistentVolumeClaim|{spec: {resources: {requests: {storage: 1Gi}}}}|accessModes",
        "PersistentVolumeClaim|{spec: {accessModes: [ReadWriteOnce]}}|resources.requests.storage",
        "HorizontalPodAutoscaler|{spec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: d}, maxReplicas: 2, metrics: [{type: Pods}]}}|Pods metric",
        "HorizontalPodAutoscaler|{spec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment}, maxReplicas: 2, metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}]}}|scaleTargetRef.name",
        "ConfigMap|{data: {}}|ConfigMap data",
        "ServiceMonitor|{spec: {selector: {matchLabels: {a: b}}, endpoints: []}}|endpoints",
        "ServingRuntime|{spec: {supportedModelFormats: [{name: x, version: '1', autoSelect: true}], protocolVersions: [v3], containers: [{name: c, image: i}]}}|protocolVersions",
        "ServingRuntime|{spec: {supportedModelFormats: [{name: x}], protocolVersions: [v2], containers: [{name: c, image: i}]}}|supportedModelFormats[0].version",
        "ServingRuntime|{spec: {supportedModelFormats: [{name: x, version: '1', autoSelect: true}], protocolVersions: [v2], containers: [{name: c}]}}|containers[0].image",
    })
    void requiredFieldChecksRefuseBrokenDocuments(String kind, String yaml, String message) throws Exception {
        JsonNode node = YAML.readTree(yaml);
        assertThatThrownBy(() -> {
            switch (kind) {
                case "PodDisruptionBudget" -> checkPodDisruptionBudget(STRICT.treeToValue(node, PodDisruptionBudget.class));
                case "PersistentVolumeClaim" -> checkPersistentVolumeClaim(STRICT.treeToValue(node, PersistentVolumeClaim.class));
                case "HorizontalPodAutoscaler" -> checkHorizontalPodAutoscaler(
                        STRICT.treeToValue(node, HorizontalPodAutoscaler.class));
                case "ConfigMap" -> checkConfigMap(STRICT.treeToValue(node, ConfigMap.class));
                case "ServiceMonitor" -> checkServiceMonitor(node);
                case "ServingRuntime" -> checkServingRuntime(node);
                default -> throw new IllegalArgumentException(kind);
            }
        }).isInstanceOf(AssertionError.class).hasMessageContaining(message);
    }

    /** PVC: spec.accessModes (known modes) and spec.resources.requests.storage (a positive quantity). */
    private static void checkPersistentVolumeClaim(PersistentVolumeClaim pvc) {
        assertThat(pvc.getSpec()).as("PersistentVolumeClaim spec").isNotNull();
        assertThat(pvc.getSpec().getAccessModes()).as("PersistentVolumeClaim spec.accessModes").isNotEmpty()
                .allSatisfy(mode -> assertThat(ACCESS_MODES).as("PersistentVolumeClaim spec.accessModes").contains(mode));
        Quantity storage = pvc.getSpec().getResources() == null || pvc.getSpec().getResources().getRequests() == null
                ? null : pvc.getSpec().getResources().getRequests().get("storage");
        assertThat(storage).as("PersistentVolumeClaim spec.resources.requests.storage").isNotNull();
        assertThat(storage.getNumericalAmount()).as("PersistentVolumeClaim spec.resources.requests.storage").isPositive();
    }

    /** PDB: exactly one of minAvailable and maxUnavailable, and a selector with labels. */
    private static void checkPodDisruptionBudget(PodDisruptionBudget pdb) {
        assertThat(pdb.getSpec()).as("PodDisruptionBudget spec").isNotNull();
        assertThat(pdb.getSpec().getMinAvailable() == null).as("PodDisruptionBudget: exactly one of spec.minAvailable"
                + " and spec.maxUnavailable").isNotEqualTo(pdb.getSpec().getMaxUnavailable() == null);
        assertThat(pdb.getSpec().getSelector()).as("PodDisruptionBudget spec.selector").isNotNull();
        assertThat(pdb.getSpec().getSelector().getMatchLabels()).as("PodDisruptionBudget spec.selector.matchLabels")
                .isNotEmpty();
    }

    /** HPA: scaleTargetRef's apiVersion, kind and name; replica bounds; each metric with the block its type names. */
    private static void checkHorizontalPodAutoscaler(HorizontalPodAutoscaler hpa) {
        var spec = hpa.getSpec();
        assertThat(spec).as("HorizontalPodAutoscaler spec").isNotNull();
        assertThat(spec.getScaleTargetRef()).as("HorizontalPodAutoscaler spec.scaleTargetRef").isNotNull();
        assertThat(spec.getScaleTargetRef().getApiVersion()).as("HorizontalPodAutoscaler spec.scaleTargetRef.apiVersion")
                .isNotBlank();
        assertThat(spec.getScaleTargetRef().getKind()).as("HorizontalPodAutoscaler spec.scaleTargetRef.kind").isNotBlank();
        assertThat(spec.getScaleTargetRef().getName()).as("HorizontalPodAutoscaler spec.scaleTargetRef.name").isNotBlank();
        assertThat(spec.getMaxReplicas()).as("HorizontalPodAutoscaler spec.maxReplicas").isNotNull().isPositive();
        if (spec.getMinReplicas() != null) {
            assertThat(spec.getMinReplicas()).as("HorizontalPodAutoscaler spec.minReplicas").isPositive()
                    .isLessThanOrEqualTo(spec.getMaxReplicas());
        }
        assertThat(spec.getMetrics()).as("HorizontalPodAutoscaler spec.metrics").isNotEmpty();
        for (MetricSpec metric : spec.getMetrics()) {
            assertThat(METRIC_SOURCES).as("HorizontalPodAutoscaler metric type").containsKey(metric.getType());
            assertThat(METRIC_SOURCES.get(metric.getType()).apply(metric))
                    .as("HorizontalPodAutoscaler: a " + metric.getType() + " metric needs its "
                            + metric.getType().substring(0, 1).toLowerCase() + metric.getType().substring(1) + " block")
                    .isNotNull();
        }
    }

    /** ConfigMap: some data, every key a valid one and no value empty. */
    private static void checkConfigMap(ConfigMap config) {
        assertThat(config.getData()).as("ConfigMap data").isNotEmpty();
        config.getData().forEach((key, value) -> {
            assertThat(key).as("ConfigMap data key").matches("[-._a-zA-Z0-9]+");
            assertThat(value).as("ConfigMap data." + key).isNotBlank();
        });
    }

    /** ServiceMonitor (monitoring.coreos.com/v1): a selector with labels and endpoints, each naming a port. */
    private static void checkServiceMonitor(JsonNode monitor) {
        JsonNode spec = monitor.path("spec");
        assertThat(spec.path("selector").path("matchLabels").size()).as("ServiceMonitor spec.selector.matchLabels")
                .isPositive();
        assertThat(spec.path("endpoints").isArray() && !spec.path("endpoints").isEmpty())
                .as("ServiceMonitor spec.endpoints").isTrue();
        for (JsonNode endpoint : spec.path("endpoints")) {
            assertThat(endpoint.path("port").asText(endpoint.path("targetPort").asText()))
                    .as("ServiceMonitor spec.endpoints[*].port").isNotBlank();
        }
    }

    /**
     * KServe ServingRuntime: supportedModelFormats[*] with name, version and autoSelect; containers[*] with name and
     * image; protocolVersions among v1, v2, grpc-v1 and grpc-v2.
     */
    private static void checkServingRuntime(JsonNode runtime) {
        JsonNode spec = runtime.path("spec");
        JsonNode formats = spec.path("supportedModelFormats");
        assertThat(formats.isArray() && !formats.isEmpty()).as("ServingRuntime spec.supportedModelFormats").isTrue();
        for (int i = 0; i < formats.size(); i++) {
            JsonNode f = formats.get(i);
            String at = "ServingRuntime spec.supportedModelFormats[" + i + "].";
            assertThat(f.path("name").isTextual() && !f.path("name").asText().isBlank()).as(at + "name").isTrue();
            assertThat(f.path("version").isTextual() && !f.path("version").asText().isBlank())
                    .as(at + "version (a string)").isTrue();
            assertThat(f.path("autoSelect").isBoolean()).as(at + "autoSelect (a boolean)").isTrue();
        }
        JsonNode containers = spec.path("containers");
        assertThat(containers.isArray() && !containers.isEmpty()).as("ServingRuntime spec.containers").isTrue();
        for (int i = 0; i < containers.size(); i++) {
            JsonNode c = containers.get(i);
            assertThat(c.path("name").asText()).as("ServingRuntime spec.containers[" + i + "].name").isNotBlank();
            assertThat(c.path("image").asText()).as("ServingRuntime spec.containers[" + i + "].image").isNotBlank();
        }
        JsonNode protocols = spec.path("protocolVersions");
        assertThat(protocols.isArray() && !protocols.isEmpty()).as("ServingRuntime spec.protocolVersions").isTrue();
        for (JsonNode p : protocols) {
            assertThat(KSERVE_PROTOCOLS).as("ServingRuntime spec.protocolVersions value " + p).contains(p.asText());
        }
    }

    /** A copy of the chart whose values.yaml is its own with {@code valuesFile} merged over it. */
    private static Path chartWithValues(Path valuesFile, Path copy) throws IOException {
        try (Stream<Path> files = Files.walk(CHART)) {
            files.forEach(f -> {
                try {
                    Path target = copy.resolve(CHART.relativize(f).toString());
                    if (Files.isDirectory(f)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(f, target);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        var mapType = YAML.getTypeFactory().constructMapType(LinkedHashMap.class, String.class, Object.class);
        Map<String, Object> values = YAML.readValue(CHART.resolve("values.yaml").toFile(), mapType);
        Map<String, Object> overrides = YAML.readValue(valuesFile.toFile(), mapType);
        Files.writeString(copy.resolve("values.yaml"), YAML.writeValueAsString(merge(values, overrides)));
        return copy;
    }

    /** Helm's coalescing of a values file over the chart's: maps merge key by key, anything else is replaced. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> merge(Map<String, Object> base, Map<String, Object> over) {
        Map<String, Object> merged = new LinkedHashMap<>(base);
        over.forEach((key, value) -> {
            if (value instanceof Map<?, ?> m && merged.get(key) instanceof Map<?, ?> b) {
                merged.put(key, merge((Map<String, Object>) b, (Map<String, Object>) m));
            } else if (value == null) {
                merged.remove(key);
            } else {
                merged.put(key, value);
            }
        });
        return merged;
    }

    /**
     * An HTTP probe of {@code path} on the management port, which request traffic cannot starve, or a gRPC health
     * probe of the gRPC port (probeProtocol grpc).
     */
    private static void assertProbe(Probe probe, String path, Set<String> portNames) {
        assertThat(probe).isNotNull();
        if (probe.getGrpc() != null) {
            assertThat(probe.getHttpGet()).isNull();
            assertThat(probe.getGrpc().getPort()).isEqualTo(8081);
            return;
        }
        assertThat(probe.getHttpGet().getPath()).isEqualTo(path);
        assertThat(portNames).contains(probe.getHttpGet().getPort().getStrVal());
        assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo("management");
    }

    private static void assertMountsResolve(Container c, List<Volume> volumes) {
        Set<String> names = volumes.stream().map(Volume::getName).collect(Collectors.toSet());
        assertThat(volumes).hasSameSizeAs(names);
        for (VolumeMount m : c.getVolumeMounts()) {
            assertThat(names).as(c.getName() + " mounts " + m.getName()).contains(m.getName());
            assertThat(m.getMountPath()).startsWith("/");
        }
        assertThat(c.getVolumeMounts()).extracting(VolumeMount::getMountPath).contains("/tmp");
    }

    private static Volume volume(PodSpec pod, String name) {
        return pod.getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name));
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new java.util.HashSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
