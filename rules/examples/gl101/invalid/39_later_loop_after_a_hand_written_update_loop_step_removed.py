# A book chapter trains the same model twice at the top level: first with a hand-written
# update that reads .grad, then with an optimizer. The second loop lost its step; the
# first loop's reads of .grad run before its backward and consume none of its gradients.
import torch

weight = torch.randn(1, requires_grad=True)
bias = torch.zeros(1, requires_grad=True)
x, y = torch.randn(10, 1), torch.randn(10, 1)

for epoch in range(10):
    loss = ((x * weight + bias - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        weight -= weight.grad * 0.001
        bias -= bias.grad * 0.001
        weight.grad.zero_()
        bias.grad.zero_()

model = torch.nn.Linear(1, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.001)
for epoch in range(10):
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()  # GL101
    optimizer.zero_grad()
