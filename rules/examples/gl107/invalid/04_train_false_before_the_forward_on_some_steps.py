import torch


def train(net, batches, log_every):
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    net.train()
    for i, (x, y) in enumerate(batches):
        if i % log_every == 0:
            net.train(False)  # GL107
            with torch.no_grad():
                print(i, net(x).mean().item())
        optimizer.zero_grad()
        loss = (net(x) - y).pow(2).mean()
        loss.backward()
        optimizer.step()
